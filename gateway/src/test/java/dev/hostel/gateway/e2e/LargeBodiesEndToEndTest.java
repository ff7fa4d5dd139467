package dev.hostel.gateway.e2e;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.Random;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.api.BeforeAll;

/**
 * Large bodies both ways through the real gateway and runner, byte for byte, as a client sees them: the
 * benchmark's echo (reads in 64 KB blocks, answers a list: written gathered) and the upload site's echo (a
 * generator that answers while it reads: streamed), at the sizes a site's {@code max_body} allows.
 */
class LargeBodiesEndToEndTest {
    private static TestHostel hostel;

    @BeforeAll
    static void start() throws Exception {
        hostel = TestHostel.shared();
    }

    @ParameterizedTest
    @CsvSource({"hello.localhost, 1048576", "hello.localhost, 10485760", "upload.localhost, 10485760",
            "hello.localhost, 1", "hello.localhost, 65537"})
    void aPostedBodyComesBackByteForByte(String host, int size) throws Exception {
        byte[] body = new byte[size];
        new Random(size).nextBytes(body);
        HttpResponse<byte[]> echo = hostel.client.send(hostel.request(host, "/echo")
                .POST(HttpRequest.BodyPublishers.ofByteArray(body)).build(), HttpResponse.BodyHandlers.ofByteArray());
        assertEquals(200, echo.statusCode());
        assertEquals(String.valueOf(size), echo.headers().firstValue("content-length").orElse(""));
        assertArrayEquals(body, echo.body());
    }
}
