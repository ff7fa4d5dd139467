package dev.hostel.gateway.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.handler.codec.http.DefaultHttpHeaders;
import io.netty.handler.codec.http.HttpHeaders;

import java.util.List;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * {@link ForwardedHeaders}: hop-by-hop removal in both directions (fixed ones and those named in
 * {@code Connection}), the X-Forwarded-* headers, framing that a client cannot strip, and CR/LF refusal.
 */
class ForwardedHeadersTest {
    /** Headers without validation, as a decoder could produce them from odd input. */
    private static HttpHeaders headers(String... namesAndValues) {
        HttpHeaders headers = new DefaultHttpHeaders(false);
        for (int i = 0; i < namesAndValues.length; i += 2) {
            headers.add(namesAndValues[i], namesAndValues[i + 1]);
        }
        return headers;
    }

    @Test
    void hopByHopHeadersAreRemovedTowardsTheRunner() {
        HttpHeaders h = headers(
                "Host", "site.test",
                "Connection", "keep-alive, X-Private",
                "Connection", "x-other",
                "Keep-Alive", "timeout=5",
                "Proxy-Connection", "keep-alive",
                "TE", "trailers",
                "Trailer", "Expires",
                "Upgrade", "websocket",
                "Expect", "100-continue",
                "X-Private", "secret",
                "X-Other", "too",
                "Accept", "text/html");
        ForwardedHeaders.toRunner(h, "10.0.0.1", "http", 8080);
        for (String gone : List.of("connection", "keep-alive", "proxy-connection", "te", "trailer", "upgrade",
                "expect", "x-private", "x-other")) {
            assertFalse(h.contains(gone), gone);
        }
        assertEquals("text/html", h.get("accept"));
        assertEquals("site.test", h.get("host"));
    }

    @Test
    void forwardedHeadersAreAdded() {
        HttpHeaders h = headers("Host", "site.test:8080", "X-Forwarded-Proto", "https", "X-Forwarded-Host", "evil");
        ForwardedHeaders.toRunner(h, "10.0.0.1", "http", 8080);
        assertEquals("10.0.0.1", h.get("x-forwarded-for"));
        assertEquals("http", h.get("x-forwarded-proto"), "the client's claim is replaced");
        assertEquals("site.test:8080", h.get("x-forwarded-host"));
        assertEquals("8080", h.get("x-forwarded-port"));
        assertEquals(1, h.getAll("x-forwarded-host").size());
    }

    @Test
    void forwardedForIsAppendedTo() {
        HttpHeaders h = headers("Host", "site.test", "X-Forwarded-For", "203.0.113.7, 198.51.100.1");
        ForwardedHeaders.toRunner(h, "10.0.0.1", "http", 80);
        assertEquals(List.of("203.0.113.7, 198.51.100.1, 10.0.0.1"), h.getAll("x-forwarded-for"));
    }

    @Test
    void forwardedForOnSeveralLinesKeepsEveryHop() {
        HttpHeaders h = headers("Host", "site.test", "X-Forwarded-For", "203.0.113.7", "X-Forwarded-For",
                "198.51.100.1");
        ForwardedHeaders.toRunner(h, "10.0.0.1", "http", 80);
        assertEquals(List.of("203.0.113.7, 198.51.100.1, 10.0.0.1"), h.getAll("x-forwarded-for"));
    }

    @ParameterizedTest
    @ValueSource(strings = {"Content-Length", "content-length, close", "Transfer-Encoding", "Host"})
    void connectionCannotStripTheRequestsFramingOrHost(String connection) {
        HttpHeaders h = headers("Host", "site.test", "Content-Length", "5", "Transfer-Encoding", "chunked",
                "Connection", connection);
        ForwardedHeaders.toRunner(h, "10.0.0.1", "http", 80);
        assertEquals("5", h.get("content-length"));
        assertEquals("chunked", h.get("transfer-encoding"));
        assertEquals("site.test", h.get("host"));
        assertFalse(h.contains("connection"));
    }

    @Test
    void hopByHopHeadersAndTransferEncodingAreRemovedTowardsTheClient() {
        HttpHeaders h = headers(
                "Content-Type", "text/plain",
                "Transfer-Encoding", "chunked",
                "Connection", "X-Runner",
                "X-Runner", "pid 42",
                "Keep-Alive", "timeout=5",
                "Upgrade", "h2c",
                "Set-Cookie", "a=1",
                "Set-Cookie", "b=2");
        assertTrue(ForwardedHeaders.toClient(h));
        assertNull(h.get("transfer-encoding"));
        assertNull(h.get("connection"));
        assertNull(h.get("x-runner"));
        assertNull(h.get("keep-alive"));
        assertNull(h.get("upgrade"));
        assertEquals(List.of("a=1", "b=2"), h.getAll("set-cookie"));
        assertEquals("text/plain", h.get("content-type"));
    }

    @ParameterizedTest
    @ValueSource(strings = {"a\r\nSet-Cookie: admin=1", "a\nb", "a\rb", "\r\n"})
    void responseHeaderValueWithALineBreakIsRefused(String value) {
        assertFalse(ForwardedHeaders.toClient(headers("Content-Type", "text/plain", "X-App", value)));
    }

    @Test
    void responseHeaderNameWithALineBreakIsRefused() {
        assertFalse(ForwardedHeaders.toClient(headers("X-A\r\nX-B", "v")));
    }
}
