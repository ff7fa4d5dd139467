package dev.hostel.gateway.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class ListenAddressTest {

    @ParameterizedTest
    @CsvSource({
        "127.0.0.1:8080, 127.0.0.1, 8080, 127.0.0.1:8080",
        "0.0.0.0:80, 0.0.0.0, 80, 0.0.0.0:80",
        "LocalHost:0, localhost, 0, localhost:0",
        "[::1]:8080, ::1, 8080, [::1]:8080",
        "[::]:443, ::, 443, [::]:443",
        "[FE80::1%eth0]:9000, fe80::1%eth0, 9000, [fe80::1%eth0]:9000",
        "' 127.0.0.1:65535 ', 127.0.0.1, 65535, 127.0.0.1:65535",
    })
    void parses(String text, String host, int port, String printed) {
        ListenAddress a = ListenAddress.parse(text);
        assertEquals(new ListenAddress(host, port), a);
        assertEquals(printed, a.toString());
        assertEquals(a, ListenAddress.parse(a.toString()));
    }

    @ParameterizedTest
    @CsvSource(
            delimiter = '|',
            value = {
                "127.0.0.1 | the port is missing",
                ":8080 | the host is missing",
                "::1:8080 | in brackets",
                "[::1] | [::1]:8080",
                "[::1]8080 | [::1]:8080",
                "[zz]:80 | not an IPv6 address",
                "127.0.0.1:http | not a number",
                "127.0.0.1:65536 | out of range",
                "127.0.0.1:-1 | not a number",
                "bad_host:80 | neither an IP address nor a host name",
            })
    void rejects(String text, String why) {
        IllegalArgumentException e =
                assertThrows(IllegalArgumentException.class, () -> ListenAddress.parse(text));
        assertTrue(
                e.getMessage().startsWith(Units.quote(text) + " is not host:port: "),
                e.getMessage());
        assertTrue(e.getMessage().contains(why), e.getMessage());
    }
}
