package dev.hostel.gateway.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.hostel.gateway.config.ConfigLoader;
import dev.hostel.gateway.config.ResponseBuffering;
import dev.hostel.gateway.config.SiteConfig;
import dev.hostel.gateway.server.ClientConnection.Response;
import dev.hostel.gateway.supervisor.RunnerDemand;
import dev.hostel.gateway.supervisor.RunnerProcess;
import dev.hostel.gateway.transport.Transport;
import dev.hostel.gateway.upstream.SiteUpstream;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The client pipeline of {@link GatewayChannelInitializer}, end to end without sockets or runners: routing by
 * Host, request limits (400, 414, 431), keep-alive and pipelining, static files (validators, conditional GET,
 * Range, HEAD, 405, traversal refusal), the 408 and idle timeouts, and the 503 of a site whose runner never
 * becomes ready.
 */
class GatewayPipelineTest {
    private static final String HELLO = "hello, world";
    private static final String LARGE = "0123456789abcdef".repeat(StaticFiles.SMALL_FILE / 16 + 1);
    private static final Instant MTIME = Instant.parse("2024-01-02T03:04:05Z");
    private static final String MTIME_HTTP = "Tue, 02 Jan 2024 03:04:05 GMT";
    private static final String ETAG = "\"" + Long.toHexString(MTIME.getEpochSecond()) + "-c\"";

    @TempDir
    static Path dir;
    private static SiteConfig config;

    private final List<RequestRecord> answered = new ArrayList<>();
    private final AtomicInteger demanded = new AtomicInteger();
    private ClientConnection client;

    @BeforeAll
    static void siteOnDisk() throws Exception {
        Path root = Files.createDirectories(dir.resolve("site"));
        Path statics = Files.createDirectories(root.resolve("static"));
        write(statics.resolve("hello.txt"), HELLO);
        write(statics.resolve("large.txt"), LARGE);
        write(statics.resolve("a+b.txt"), "plus");
        write(statics.resolve("style.css"), "body {}");
        write(Files.createDirectories(statics.resolve("docs")).resolve("index.html"), "<h1>docs</h1>");
        Files.createDirectories(statics.resolve("empty"));
        write(root.resolve("secret.txt"), "secret");
        Files.createSymbolicLink(statics.resolve("link-out"), root.resolve("secret.txt"));
        Files.createSymbolicLink(statics.resolve("link-in"), statics.resolve("hello.txt"));
        Files.createSymbolicLink(Files.createDirectories(statics.resolve("leaky")).resolve("index.html"),
                root.resolve("secret.txt"));
        config = ConfigLoader.parseSite("site", """
                hosts = ["site.test"]
                app = "app:application"
                root = "%s"
                static = { "/static/" = "static" }
                """.formatted(root), null, dir);
    }

    private static void write(Path file, String text) throws Exception {
        Files.writeString(file, text, StandardCharsets.UTF_8);
        Files.setLastModifiedTime(file, FileTime.from(MTIME));
    }

    @BeforeEach
    void connect() throws Exception {
        SiteUpstream upstream = new SiteUpstream("site", Transport.NIO, Duration.ofSeconds(1), 10);
        upstream.demand(new RunnerDemand() {
            @Override
            public void requested() {
                demanded.incrementAndGet();
            }

            @Override
            public void replace(RunnerProcess runner, String reason) {
            }
        });
        Site site = new Site(config, upstream);
        SiteResolver sites = host -> "site.test".equals(host) ? site : null;
        client = new ClientConnection(new GatewayChannelInitializer(sites, answered::add, Duration.ofSeconds(75),
                Duration.ofSeconds(30), new ResponseBuffers(ResponseBuffering.defaults(dir))));
    }

    @AfterEach
    void noMessageLeft() {
        client.assertNothingMore();
        assertFalse(client.finishAndReleaseAll());
    }

    private static String get(String host, String path, String... headers) {
        return request("GET", "HTTP/1.1", host, path, headers);
    }

    private static String request(String method, String version, String host, String path, String... headers) {
        StringBuilder sb = new StringBuilder(method + " " + path + " " + version + "\r\n");
        if (host != null) {
            sb.append("Host: ").append(host).append("\r\n");
        }
        for (String header : headers) {
            sb.append(header).append("\r\n");
        }
        return sb.append("\r\n").toString();
    }

    // ---- routing, limits, connection persistence

    @Test
    void unknownHostGets404AndTheConnectionStaysOpen() {
        Response response = client.send(get("nobody.test", "/")).response();
        assertEquals(404, response.status());
        assertFalse(response.closes());
        assertTrue(client.isOpen());
        assertTrue(client.isReading(), "waits for the next request");
        assertEquals(1, answered.size());
        assertEquals(404, answered.get(0).status());
        assertNull(answered.get(0).site());
    }

    @Test
    void missingHostOnHttp11Gets400AndCloses() {
        Response response = client.send(get(null, "/")).response();
        assertEquals(400, response.status());
        assertTrue(response.closes());
        assertFalse(client.isOpen());
    }

    @Test
    void twoHostHeadersGet400AndClose() {
        Response response = client.send(get("site.test", "/static/hello.txt", "Host: nobody.test")).response();
        assertEquals(400, response.status());
        assertTrue(response.closes());
        assertFalse(client.isOpen());
    }

    static Stream<Arguments> malformedRequests() {
        return Stream.of(
                // request, expected status
                Arguments.of("both CL and TE", "POST / HTTP/1.1\r\nHost: site.test\r\nContent-Length: 3\r\n"
                        + "Transfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n0\r\n\r\n", 400),
                Arguments.of("two Content-Lengths", "POST / HTTP/1.1\r\nHost: site.test\r\nContent-Length: 3\r\n"
                        + "Content-Length: 4\r\n\r\nabcd", 400),
                Arguments.of("bad Content-Length", "POST / HTTP/1.1\r\nHost: site.test\r\nContent-Length: x\r\n\r\n",
                        400),
                Arguments.of("no request line", "\r\nnonsense\r\n\r\n", 400),
                Arguments.of("space before colon", "GET / HTTP/1.1\r\nHost : site.test\r\n\r\n", 400),
                Arguments.of("request line of 9 KB", get("site.test", "/" + "a".repeat(9 * 1024)), 414),
                Arguments.of("17 KB of headers", get("site.test", "/", "X-Big: " + "b".repeat(17 * 1024)), 431));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("malformedRequests")
    void malformedRequestIsRefusedAndTheConnectionCloses(String what, String request, int status) {
        Response response = client.send(request).response();
        assertEquals(status, response.status());
        assertTrue(response.closes());
        assertFalse(client.isOpen());
        assertEquals(status, answered.get(0).status());
    }

    @Test
    void pipelinedRequestsAreAnsweredInOrderOnAnOpenConnection() {
        client.send(get("nobody.test", "/first") + get("site.test", "/static/hello.txt")
                + get("nobody.test", "/third"));
        assertEquals(404, client.response().status());
        Response second = client.response();
        assertEquals(200, second.status());
        assertEquals(HELLO, second.body());
        assertEquals(404, client.response().status());
        assertTrue(client.isOpen());
        assertTrue(client.isReading());
        assertEquals(List.of("/first", "/static/hello.txt", "/third"),
                answered.stream().map(RequestRecord::uri).toList());
    }

    @Test
    void requestsOnSeparateReadsShareTheConnection() {
        assertEquals(404, client.send(get("nobody.test", "/")).response().status());
        assertEquals(200, client.send(get("site.test", "/static/hello.txt")).response().status());
        assertEquals(404, client.send(get("nobody.test", "/")).response().status());
        assertTrue(client.isOpen());
    }

    @ParameterizedTest(name = "{0} {1}: closes={2}")
    @CsvSource(delimiter = '|', value = {
            // version | Connection header | closed after the response
            "HTTP/1.1  |                   | false",
            "HTTP/1.1  | keep-alive        | false",
            "HTTP/1.1  | close             | true",
            "HTTP/1.1  | Close             | true",
            "HTTP/1.0  |                   | true",
            "HTTP/1.0  | keep-alive        | false",
            "HTTP/1.0  | close             | true",
    })
    void connectionPersistsAsRfc9112Says(String version, String connection, boolean closes) {
        String[] headers = connection == null ? new String[0] : new String[] {"Connection: " + connection};
        for (String host : new String[] {"nobody.test", "site.test"}) {
            if (!client.isOpen()) {
                break;
            }
            Response response = client.send(request("GET", version, host, "/static/hello.txt", headers)).response();
            assertEquals(host.equals("site.test") ? 200 : 404, response.status());
            assertEquals(closes, response.closes(), "Connection: close in the response");
            assertEquals(!closes, client.isOpen(), "connection open");
        }
    }

    @Test
    void requestWithABodyToUnknownHostClosesRatherThanReadingIt() {
        Response response = client.send("POST /form HTTP/1.1\r\nHost: nobody.test\r\nContent-Length: 5\r\n\r\n")
                .response();
        assertEquals(404, response.status());
        assertTrue(response.closes());
        assertFalse(client.isOpen());
    }

    // ---- static files

    /** A small file is answered from memory, head and bytes in one write: no FileRegion. */
    @Test
    void smallStaticFileIsServedWithValidatorsFromMemory() {
        Response response = client.send(get("site.test", "/static/hello.txt")).response();
        assertEquals(200, response.status());
        assertEquals("text/plain; charset=utf-8", response.header("content-type"));
        assertEquals("12", response.header("content-length"));
        assertEquals(ETAG, response.header("etag"));
        assertEquals(MTIME_HTTP, response.header("last-modified"));
        assertEquals("bytes", response.header("accept-ranges"));
        assertEquals(HELLO, response.body());
        assertEquals(0, client.fileRegions(), "a small file is sent from memory");
        assertEquals("site", answered.get(0).site());
        assertEquals(200, answered.get(0).status());
        assertEquals(12, answered.get(0).bytes());
        assertEquals(200, client.send(get("site.test", "/static/hello.txt")).response().status(),
                "the connection serves on after a response written past the encoder");
    }

    /** A file over {@link StaticFiles#SMALL_FILE} goes by sendfile, whole or in ranges. */
    @Test
    void largeStaticFileIsServedWithZeroCopy() {
        Response response = client.send(get("site.test", "/static/large.txt")).response();
        assertEquals(200, response.status());
        assertEquals(Integer.toString(LARGE.length()), response.header("content-length"));
        assertEquals("bytes", response.header("accept-ranges"));
        assertEquals(LARGE, response.body());
        assertEquals(1, client.fileRegions(), "the body is a FileRegion (sendfile)");
        Response range = client.send(get("site.test", "/static/large.txt", "Range: bytes=-5")).response();
        assertEquals(206, range.status());
        assertEquals(LARGE.substring(LARGE.length() - 5), range.body());
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', quoteCharacter = '`', value = {
            // conditional headers (;; between two)            | status
            "`If-None-Match: ETAG`                             | 304",
            "`If-None-Match: W/ETAG`                           | 304",
            "`If-None-Match: \"other\", ETAG`                  | 304",
            "`If-None-Match: *`                                | 304",
            "`If-None-Match: \"other\"`                        | 200",
            "`If-Modified-Since: Tue, 02 Jan 2024 03:04:05 GMT` | 304",
            "`If-Modified-Since: Wed, 03 Jan 2024 00:00:00 GMT` | 304",
            "`If-Modified-Since: Mon, 01 Jan 2024 00:00:00 GMT` | 200",
            "`If-Modified-Since: not a date`                   | 200",
            // If-None-Match wins over If-Modified-Since (RFC 9110 section 13.1.3)
            "`If-None-Match: \"other\";;If-Modified-Since: Wed, 03 Jan 2024 00:00:00 GMT` | 200",
    })
    void conditionalGet(String header, int status) {
        Response response = client.send(get("site.test", "/static/hello.txt", header.replace("ETAG", ETAG).split(";;")))
                .response();
        assertEquals(status, response.status());
        assertEquals(ETAG, response.header("etag"));
        assertEquals(status == 304 ? "" : HELLO, response.body());
        assertTrue(client.isOpen());
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', quoteCharacter = '`', value = {
            // Range header     | status | Content-Range | body
            "bytes=0-3          | 206    | bytes 0-3/12  | hell",
            "bytes=-2           | 206    | bytes 10-11/12 | ld",
            "bytes=7-           | 206    | bytes 7-11/12 | world",
            "bytes=7-100        | 206    | bytes 7-11/12 | world",
            "bytes=12-          | 416    | bytes */12    | ``",
            "bytes=5-2          | 416    | bytes */12    | ``",
            "Bytes=0-3          | 206    | bytes 0-3/12  | hell",
            "bytes=0-3,2-5      | 206    | bytes 0-5/12  | hello,",
            "bytes=0-3,4-5      | 206    | bytes 0-5/12  | hello,",
            "bytes=20-30,-2     | 206    | bytes 10-11/12 | ld",
            "bytes=20-30,40-    | 416    | bytes */12    | ``",
            "bytes=0-1,x        | 200    |               | hello, world",
            "items=0-3          | 200    |               | hello, world",
    })
    void rangeRequest(String range, int status, String contentRange, String body) {
        Response response = client.send(get("site.test", "/static/hello.txt", "Range: " + range)).response();
        assertEquals(status, response.status());
        assertEquals(contentRange, response.header("content-range"));
        assertEquals(body, response.body());
        assertEquals(String.valueOf(body.length()), response.header("content-length"));
        assertTrue(client.isOpen());
    }

    @Test
    void severalRangesGetMultipartByteranges() {
        Response response = client.send(get("site.test", "/static/hello.txt", "Range: bytes=0-1,7-")).response();
        assertEquals(206, response.status());
        String type = response.header("content-type");
        assertTrue(type.startsWith("multipart/byteranges; boundary="), type);
        String boundary = type.substring(type.indexOf('=') + 1);
        assertEquals("\r\n--" + boundary + "\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Range: bytes 0-1/12"
                + "\r\n\r\nhe\r\n--" + boundary + "\r\nContent-Type: text/plain; charset=utf-8\r\n"
                + "Content-Range: bytes 7-11/12\r\n\r\nworld\r\n--" + boundary + "--\r\n", response.body());
        assertEquals(String.valueOf(response.body().length()), response.header("content-length"));
        assertEquals(2, client.fileRegions(), "each part is sent from the file");
        assertTrue(client.isOpen());
    }

    @Test
    void moreThanSixteenRangesGetTheWholeFile() {
        String ranges = "bytes=" + String.join(",", java.util.Collections.nCopies(17, "0-0"));
        Response response = client.send(get("site.test", "/static/hello.txt", "Range: " + ranges)).response();
        assertEquals(200, response.status());
        assertEquals(HELLO, response.body());
    }

    @Test
    void aFolderWithoutItsSlashIsRedirectedWithItsQuery() {
        Response response = client.send(get("site.test", "/static/docs?x=1")).response();
        assertEquals(301, response.status());
        assertEquals("/static/docs/?x=1", response.header("location"));
        assertTrue(client.isOpen());
    }

    @Test
    void ifRangeWithAnotherEtagGetsTheWholeFile() {
        Response response = client.send(get("site.test", "/static/hello.txt", "Range: bytes=0-3",
                "If-Range: \"old\"")).response();
        assertEquals(200, response.status());
        assertEquals(HELLO, response.body());
        Response matching = client.send(get("site.test", "/static/hello.txt", "Range: bytes=0-3",
                "If-Range: " + ETAG)).response();
        assertEquals(206, matching.status());
        assertEquals("hell", matching.body());
    }

    @Test
    void headGetsTheHeadersOnly() {
        Response response = client.send(request("HEAD", "HTTP/1.1", "site.test", "/static/hello.txt")).response(true);
        assertEquals(200, response.status());
        assertEquals("12", response.header("content-length"));
        assertEquals(ETAG, response.header("etag"));
        assertEquals(0, client.fileRegions());
        // the next response follows the head directly: no body bytes in between
        assertEquals(404, client.send(get("nobody.test", "/")).response().status());
    }

    @Test
    void postToAStaticPathGets405WithAllow() {
        Response response = client.send(request("POST", "HTTP/1.1", "site.test", "/static/hello.txt")).response();
        assertEquals(405, response.status());
        assertEquals("GET, HEAD", response.header("allow"));
        assertTrue(client.isOpen());
    }

    @Test
    void postWithABodyToAStaticPathGets405AndCloses() {
        Response response = client.send("POST /static/hello.txt HTTP/1.1\r\nHost: site.test\r\n"
                + "Content-Length: 3\r\n\r\nabc").response();
        assertEquals(405, response.status());
        assertTrue(response.closes());
        assertFalse(client.isOpen());
    }

    @ParameterizedTest(name = "{0} -> {1}")
    @CsvSource(delimiter = '|', value = {
            // request target                     | status | body or content type
            "/static/hello.txt?v=3                | 200    | hello, world",
            "http://site.test/static/hello.txt    | 200    | hello, world",
            "/static/./hello.txt                  | 200    | hello, world",
            "/static//hello.txt                   | 200    | hello, world",
            "/static/hell%6f.txt                  | 200    | hello, world",
            "/static/a+b.txt                      | 200    | plus",
            "/static/a%2Bb.txt                    | 200    | plus",
            "/static/link-in                      | 200    | hello, world",
            "/static/docs/..                      | 404    |",
            "/static/docs                         | 301    |",
            "/static/hello.txt/                   | 404    |",
            "/static/docs/../hello.txt            | 200    | hello, world",
            "/static/nowhere/../hello.txt         | 200    | hello, world",
            "/static/docs/%2e%2e/hello.txt        | 200    | hello, world",
            "/static/docs/..                      | 404    |",
            "/static/../static/hello.txt          | 200    | hello, world",
            "/static/../secret.txt                | 400    |",
            "/static/docs/../../secret.txt        | 400    |",
            "/static/%2e%2e/secret.txt            | 400    |",
            "/static/%2E%2E/secret.txt            | 400    |",
            "/static/docs%2f..%2f..%2fsecret.txt  | 400    |",
            "/static/..%5csecret.txt              | 400    |",
            "/static/..\\secret.txt               | 400    |",
            "/static/hello.txt%00.css             | 400    |",
            "/static/%zz                          | 400    |",
            "/static/link-out                     | 403    |",
            "/static/leaky/                       | 403    |",
            "/static/missing.txt                  | 404    |",
            "/static/empty/                       | 404    |",
    })
    void staticLookup(String target, int status, String body) {
        Response response = client.send(get("site.test", target)).response();
        assertEquals(status, response.status(), target);
        if (status == 200) {
            assertEquals(body, response.body());
        }
        assertTrue(client.isOpen(), "a refused path is still a well-formed request");
        assertEquals(0, demanded.get(), "no static path reaches the upstream");
    }

    @Test
    void directoryIndexIsHtml() {
        Response response = client.send(get("site.test", "/static/docs/")).response();
        assertEquals("text/html; charset=utf-8", response.header("content-type"));
    }

    // ---- timeouts

    @Test
    void slowRequestHeadGets408AndTheConnectionCloses() {
        client.send("GET / HTTP/1.1\r\nHost: si");
        client.advance(29, TimeUnit.SECONDS);
        assertTrue(client.isOpen());
        client.assertNothingMore();
        client.send("te.test\r\nX-Slow: ");
        client.advance(2, TimeUnit.SECONDS);
        Response response = client.response();
        assertEquals(408, response.status());
        assertTrue(response.closes());
        assertFalse(client.isOpen());
    }

    @Test
    void slowHeadAfterAnAnsweredRequestGets408() {
        assertEquals(404, client.send(get("nobody.test", "/")).response().status());
        client.advance(60, TimeUnit.SECONDS);
        client.send("GET / HTTP/1.1\r\n");
        client.advance(31, TimeUnit.SECONDS);
        assertEquals(408, client.response().status());
        assertFalse(client.isOpen());
    }

    @Test
    void idleConnectionClosesQuietlyAfter75Seconds() {
        client.advance(74, TimeUnit.SECONDS);
        assertTrue(client.isOpen());
        client.advance(2, TimeUnit.SECONDS);
        assertFalse(client.isOpen());
        client.assertNothingMore();
    }

    @Test
    void idleClockRestartsAfterEachResponse() {
        client.advance(70, TimeUnit.SECONDS);
        assertEquals(404, client.send(get("nobody.test", "/")).response().status());
        client.advance(70, TimeUnit.SECONDS);
        assertTrue(client.isOpen(), "75 s from the response, not from the connection");
        client.advance(6, TimeUnit.SECONDS);
        assertFalse(client.isOpen());
    }

    // ---- proxying without a runner

    @Test
    void aRequestWaitsForAStartingRunnerUpToStartTimeoutEvenPastRequestTimeout() throws Exception {
        SiteConfig slow = ConfigLoader.parseSite("slow", """
                hosts = ["slow.test"]
                app = "app:application"
                root = "%s"
                request_timeout = "2s"
                start_timeout = "5s"
                """.formatted(config.root()), null, config.root());
        SiteUpstream upstream = new SiteUpstream("slow", Transport.NIO, slow.startTimeout(), 10);
        upstream.demand(new RunnerDemand() {
            @Override
            public void requested() {
            }

            @Override
            public void replace(RunnerProcess runner, String reason) {
            }
        });
        Site site = new Site(slow, upstream);
        ClientConnection waiting = new ClientConnection(new GatewayChannelInitializer(host -> site,
                answered::add, Duration.ofSeconds(75), Duration.ofSeconds(30),
                new ResponseBuffers(ResponseBuffering.defaults(dir))));
        waiting.send(get("slow.test", "/app"));
        waiting.advance(4, TimeUnit.SECONDS);
        waiting.assertNothingMore();
        waiting.advance(1100, TimeUnit.MILLISECONDS);
        assertEquals(503, waiting.response().status());
        waiting.assertNothingMore();
        assertFalse(waiting.finishAndReleaseAll());
    }

    @Test
    void proxiedRequestWithoutARunnerGets503WithRetryAfterPastTheStartTimeout() {
        client.send(get("site.test", "/app"));
        assertEquals(1, demanded.get(), "the supervisor hears of the request");
        client.advance(900, TimeUnit.MILLISECONDS);
        client.assertNothingMore();
        client.advance(200, TimeUnit.MILLISECONDS);
        Response response = client.response();
        assertEquals(503, response.status());
        assertNotNull(response.header("retry-after"));
        assertEquals("5", response.header("retry-after"));
        assertEquals(503, answered.get(0).status());
        assertEquals("site", answered.get(0).site());
    }

    @Test
    void aKeepAliveConnectionServesOnAfterA503ForABodylessRequest() {
        client.send(get("site.test", "/app"));
        client.advance(1100, TimeUnit.MILLISECONDS);
        assertEquals(503, client.response().status());
        assertTrue(client.isOpen(), "a GET leaves nothing unread: the connection stays");
        client.send(get("nobody.test", "/"));
        assertEquals(404, client.response().status());
        assertTrue(client.isOpen());
    }
}
