package dev.hostel.gateway.logs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.hostel.gateway.server.TestRecords;

import java.time.ZoneOffset;
import java.util.regex.Pattern;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.api.Test;

/** Combined Log Format plus the request time, escaped so that a client cannot forge a line. */
class CombinedLogFormatTest {
    private final CombinedLogFormat format = new CombinedLogFormat(ZoneOffset.UTC);

    /** {@code ip - - [time] "request" status bytes "referer" "agent" seconds.millis}. */
    private static final Pattern LINE = Pattern.compile(
            "127\\.0\\.0\\.1 - - \\[\\d\\d/[A-Z][a-z]{2}/\\d{4}:\\d\\d:\\d\\d:\\d\\d \\+0000] \"(.*)\" (\\d{3}) (\\d+|-)"
                    + " \"(.*)\" \"(.*)\" \\d+\\.\\d{3}\n");

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
        "GET  | /a?b=c | 200 | 2326 | http://ref/ | curl/8.5.0 | GET /a?b=c HTTP/1.1 | 200 | 2326 | http://ref/ | curl/8.5.0",
        "HEAD | /      | 304 | 0    |             |            | HEAD / HTTP/1.1     | 304 | -    | -           | -",
        "GET  | /gone  | 0   | 0    |             |            | GET /gone HTTP/1.1  | 499 | -    | -           | -",
    })
    void fields(String method, String uri, int status, long bytes, String referer, String agent,
                String request, String loggedStatus, String loggedBytes, String loggedReferer, String loggedAgent) {
        String line = format.format(TestRecords.answered("blog", method, uri, status, bytes, referer, agent));
        var m = LINE.matcher(line);
        assertTrue(m.matches(), line);
        assertEquals(request, m.group(1));
        assertEquals(loggedStatus, m.group(2));
        assertEquals(loggedBytes, m.group(3));
        assertEquals(loggedReferer, m.group(4));
        assertEquals(loggedAgent, m.group(5));
    }

    @Test
    void theTimeOfEachSecondIsFormattedOnceAndChangesWithTheSecond() {
        assertEquals("01/Jan/1970:00:00:00 +0000", format.time(0));
        assertEquals("01/Jan/1970:00:00:00 +0000", format.time(999));
        assertEquals("01/Jan/1970:00:00:01 +0000", format.time(1000));
        assertEquals("29/Nov/2026:15:30:00 +0000", format.time(1_795_966_200_000L));
        assertEquals("31/Dec/1969:23:59:59 +0000", format.time(-1));
    }

    @Test
    void quotesAndControlCharactersAreEscaped() {
        String line = format.format(TestRecords.answered("blog", "GET", "/\\", 200, 1, null,
                "evil\" 200 1 \"x\t- forged"));
        assertTrue(line.contains("\"GET /\\x5C HTTP/1.1\""), line);
        assertTrue(line.contains("\"evil\\x22 200 1 \\x22x\\x09- forged\""), line);
    }
}
