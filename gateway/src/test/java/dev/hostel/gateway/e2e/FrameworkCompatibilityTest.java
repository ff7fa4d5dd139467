package dev.hostel.gateway.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.ByteArrayInputStream;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.time.Duration;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * WSGI frameworks we did not write run unchanged behind Hostel: Bottle 0.12 and WebOb 1.8, exactly as Debian
 * packages them (fetched by {@code scripts/test}; skipped, with the reason, where they are not available).
 */
class FrameworkCompatibilityTest {
    private static TestHostel hostel;

    @BeforeAll
    static void start() throws Exception {
        hostel = TestHostel.shared();
    }

    @Test
    void bottleRoutesTemplatesJsonAndForms() throws Exception {
        assumeTrue(Files.exists(TestHostel.BOTTLE), "bottle.py not fetched (run scripts/test)");
        HttpResponse<String> index = hostel.get("bottle.test", "/");
        assertEquals(200, index.statusCode(), index.body());
        assertEquals("bottle says hi", index.body());

        HttpResponse<String> json = hostel.client.send(hostel.request("bottle.test", "/hello/world")
                .header("User-Agent", "hostel-test").build(), HttpResponse.BodyHandlers.ofString());
        assertEquals(200, json.statusCode());
        assertEquals("application/json", json.headers().firstValue("content-type").orElse(""));
        assertTrue(json.body().contains("\"hello\": \"world\""), json.body());
        assertTrue(json.body().contains("hostel-test"), json.body());

        HttpResponse<String> form = hostel.client.send(hostel.request("bottle.test", "/form")
                .header("Content-Type", "application/x-www-form-urlencoded")
                .POST(HttpRequest.BodyPublishers.ofString("name=Ada+Lovelace")).build(),
                HttpResponse.BodyHandlers.ofString());
        assertEquals("name=Ada Lovelace", form.body());

        assertEquals(404, hostel.get("bottle.test", "/missing").statusCode());
    }

    @Test
    void bottleReadsAChunkedPost() throws Exception {
        assumeTrue(Files.exists(TestHostel.BOTTLE), "bottle.py not fetched (run scripts/test)");
        byte[] body = "a chunked body, read by Bottle 0.12 as it reads any other".repeat(100)
                .getBytes(StandardCharsets.US_ASCII);
        hostel.awaitAnswering("bottle", "bottle.test", "/", Duration.ofSeconds(120));
        // An InputStream of unknown length: HttpClient sends it chunked.
        HttpResponse<String> response = hostel.client.send(hostel.request("bottle.test", "/digest")
                .POST(HttpRequest.BodyPublishers.ofInputStream(() -> new ByteArrayInputStream(body))).build(),
                HttpResponse.BodyHandlers.ofString());
        assertEquals(200, response.statusCode(), response.body());
        assertEquals(body.length + " " + GatewayEndToEndTest.sha256(body), response.body());
    }

    @Test
    void webobRequestAndResponseObjects() throws Exception {
        assumeTrue(Files.isDirectory(TestHostel.WEBOB), "webob not fetched (run scripts/test)");
        HttpResponse<String> index = hostel.get("webob.test", "/");
        assertEquals(200, index.statusCode(), index.body());
        assertEquals("webob says hi", index.body());

        HttpResponse<String> echo = hostel.client.send(hostel.request("webob.test", "/echo")
                .header("Content-Type", "application/x-www-form-urlencoded")
                .POST(HttpRequest.BodyPublishers.ofString("name=Grace")).build(),
                HttpResponse.BodyHandlers.ofString());
        assertEquals(200, echo.statusCode(), echo.body());
        assertTrue(echo.body().contains("\"name\":\"Grace\""), echo.body());
        assertTrue(echo.body().contains("\"scheme\":\"http\""), echo.body());
        assertTrue(echo.body().contains("\"client\":\"127.0.0.1\""), echo.body());
        assertTrue(echo.body().contains("\"host\":\"webob.test\""), echo.body());
    }
}
