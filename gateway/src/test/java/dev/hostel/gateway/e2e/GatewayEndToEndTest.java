package dev.hostel.gateway.e2e;

import static org.junit.jupiter.api.Assertions.assertAll;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.BufferedInputStream;
import java.io.ByteArrayInputStream;
import java.io.DataInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.List;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** What a client of the example sites sees, through the real gateway and real runner JVMs. */
class GatewayEndToEndTest {
    private static TestHostel hostel;

    @BeforeAll
    static void start() throws Exception {
        hostel = TestHostel.shared();
    }

    @Test
    void twoSitesWithTheSameModuleNamesKeepTheirOwnSettingsAndEnvironment() throws Exception {
        HttpResponse<String> blog = hostel.get("blog.localhost", "/settings");
        HttpResponse<String> shop = hostel.get("shop.localhost", "/settings");
        assertEquals(200, blog.statusCode(), blog.body());
        assertEquals(200, shop.statusCode(), shop.body());
        assertTrue(blog.body().contains("\"blog\""), blog.body());
        assertTrue(shop.body().contains("\"shop\""), shop.body());
        assertFalse(blog.body().contains("\"shop\""), "the blog sees the shop's settings: " + blog.body());
        assertFalse(shop.body().contains("\"blog\""), "the shop sees the blog's settings: " + shop.body());
    }

    @Test
    void moduleGlobalsAreCountedPerSite() throws Exception {
        int blogBefore = counter("blog.localhost");
        counter("shop.localhost");
        int blogAfter = counter("blog.localhost");
        assertEquals(blogBefore + 1, blogAfter, "the shop's request moved the blog's counter");
    }

    private int counter(String host) throws Exception {
        HttpResponse<String> response = hostel.get(host, "/counter");
        assertEquals(200, response.statusCode(), response.body());
        Matcher m = Pattern.compile("(\\d+)").matcher(response.body());
        assertTrue(m.find(), response.body());
        return Integer.parseInt(m.group(1));
    }

    @Test
    void wildcardHostsRouteToTheirSiteCaseInsensitivelyAndWithAPort() throws Exception {
        HttpResponse<String> sub = hostel.get("Preview.Blog.Localhost:8080", "/settings");
        assertEquals(200, sub.statusCode());
        assertTrue(sub.body().contains("\"blog\""), sub.body());
    }

    @Test
    void unknownHostGets404() throws Exception {
        HttpResponse<String> response = hostel.get("nobody.example.org", "/");
        assertEquals(404, response.statusCode());
    }

    @Test
    void aOneMegabytePostComesBackWithTheSameLengthAndDigest() throws Exception {
        byte[] body = new byte[1024 * 1024];
        new Random(42).nextBytes(body);
        HttpResponse<byte[]> echo = hostel.client.send(hostel.request("upload.localhost", "/echo")
                .POST(HttpRequest.BodyPublishers.ofByteArray(body)).build(), HttpResponse.BodyHandlers.ofByteArray());
        assertEquals(200, echo.statusCode());
        assertEquals(sha256(body), sha256(echo.body()));

        HttpResponse<String> digest = hostel.client.send(hostel.request("upload.localhost", "/digest")
                .POST(HttpRequest.BodyPublishers.ofByteArray(body)).build(), HttpResponse.BodyHandlers.ofString());
        assertTrue(digest.body().contains("\"length\": 1048576"), digest.body());
        assertTrue(digest.body().contains(sha256(body)), digest.body());
    }

    @Test
    void concurrentOneMegabyteDownloadsArriveWhole() throws Exception {
        List<CompletableFuture<HttpResponse<byte[]>>> downloads = new ArrayList<>();
        for (int i = 0; i < 10; i++) {
            downloads.add(hostel.client.sendAsync(hostel.request("hello.localhost", "/download").build(),
                    HttpResponse.BodyHandlers.ofByteArray()));
        }
        for (CompletableFuture<HttpResponse<byte[]>> download : downloads) {
            HttpResponse<byte[]> response = download.get(60, TimeUnit.SECONDS);
            assertEquals(200, response.statusCode());
            assertEquals(1024 * 1024, response.body().length);
        }
    }

    @Test
    void aKeepAliveConnectionServesRequestsAfterOneMegabyteDownloads() throws Exception {
        // A client reuses its connection after a large response; the gateway must neither reset it nor send bytes
        // beyond the Content-Length (wrk counted such resets as read errors, curl saw "Connection reset by peer").
        try (Socket socket = new Socket("127.0.0.1", hostel.port())) {
            socket.setSoTimeout(60_000);
            OutputStream out = socket.getOutputStream();
            DataInputStream in = new DataInputStream(new BufferedInputStream(
                    socket.getInputStream()));
            for (int i = 0; i < 5; i++) {
                out.write("GET /download HTTP/1.1\r\nHost: hello.localhost\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
                out.flush();
                assertEquals(1024 * 1024, readResponseBody(in).length, "download " + (i + 1) + " on one connection");
            }
            out.write("GET / HTTP/1.1\r\nHost: hello.localhost\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
            out.flush();
            assertEquals("Hello, world!", new String(readResponseBody(in), StandardCharsets.UTF_8).strip());
        }
    }

    /** Reads one response with a Content-Length: its status must be 200; returns its body. */
    private static byte[] readResponseBody(DataInputStream in) throws IOException {
        StringBuilder head = new StringBuilder();
        while (!head.toString().endsWith("\r\n\r\n")) {
            int b = in.read();
            assertNotEquals(-1, b, "the connection closed after: " + head);
            head.append((char) b);
        }
        assertTrue(head.toString().startsWith("HTTP/1.1 200"), head.toString());
        Matcher length = Pattern.compile("(?i)content-length:\\s*(\\d+)").matcher(head);
        assertTrue(length.find(), head.toString());
        byte[] body = new byte[Integer.parseInt(length.group(1))];
        in.readFully(body);
        return body;
    }

    @Test
    void aChunkedRequestBodyReachesTheApp() throws Exception {
        byte[] body = "a chunked body of unknown length".repeat(1000).getBytes(StandardCharsets.US_ASCII);
        // An InputStream publisher has no length, so HttpClient sends Transfer-Encoding: chunked.
        HttpRequest request = hostel.request("upload.localhost", "/digest")
                .POST(HttpRequest.BodyPublishers.ofInputStream(() -> new ByteArrayInputStream(body))).build();
        HttpResponse<String> digest = hostel.client.send(request, HttpResponse.BodyHandlers.ofString());
        assertEquals(200, digest.statusCode(), digest.body());
        assertTrue(digest.body().contains("\"length\": " + body.length), digest.body());
        assertTrue(digest.body().contains(sha256(body)), digest.body());
    }

    @Test
    void aBodyOverMaxBodyGets413() throws Exception {
        byte[] body = new byte[11 * 1024 * 1024];
        HttpResponse<String> response = hostel.client.send(hostel.request("upload.localhost", "/digest")
                .POST(HttpRequest.BodyPublishers.ofByteArray(body)).build(), HttpResponse.BodyHandlers.ofString());
        assertEquals(413, response.statusCode());
    }

    @Test
    void aStreamedResponseArrivesChunkedAndPieceByPiece() throws Exception {
        long start = System.nanoTime();
        HttpResponse<InputStream> response = hostel.client.send(
                hostel.request("stream.localhost", "/stream?n=4&delay=1").build(),
                HttpResponse.BodyHandlers.ofInputStream());
        assertEquals(200, response.statusCode());
        assertEquals("chunked", response.headers().firstValue("transfer-encoding").orElse(""));
        assertTrue(response.headers().firstValue("content-length").isEmpty());
        List<Long> arrivals = new ArrayList<>();
        StringBuilder text = new StringBuilder();
        try (InputStream in = response.body()) {
            int c;
            while ((c = in.read()) != -1) {
                text.append((char) c);
                if (c == '\n') {
                    arrivals.add(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start));
                }
            }
        }
        assertEquals("line 1 of 4\nline 2 of 4\nline 3 of 4\nline 4 of 4\n", text.toString());
        // The app sleeps 1 s between lines: had the gateway buffered the response, they would arrive together. The
        // 3 s from the first line to the last leave a busy machine 2 s to be late with the first.
        assertTrue(arrivals.get(3) - arrivals.get(0) >= 1000, "lines arrived at " + arrivals);
    }

    @Test
    void anAppThatRaisesGives500WithTheTracebackInTheLogOnly() throws Exception {
        HttpResponse<String> response = hostel.get("failing.test", "/raise");
        assertEquals(500, response.statusCode());
        assertFalse(response.body().contains("secret-detail"), response.body());
        assertFalse(response.body().contains("Traceback"), response.body());
        Await.until(() -> hostel.log("failing").contains("secret-detail-that-must-not-leak"), Duration.ofSeconds(60),
                "no traceback in the site's log");
    }

    @Test
    void aHeaderWithCrLfFromTheAppNeverReachesTheClient() throws Exception {
        HttpResponse<String> response = hostel.get("failing.test", "/bad-header");
        assertEquals(500, response.statusCode());
        assertTrue(response.headers().firstValue("set-cookie").isEmpty());
        assertTrue(response.headers().firstValue("x-evil").isEmpty());
    }

    @Test
    void aPaddedSetCookieIsStrippedAndANulIsRefusedWithALogLineNamingTheHeader() throws Exception {
        hostel.awaitAnswering("failing", "failing.test", "/", Duration.ofSeconds(120));
        HttpResponse<String> padded = hostel.get("failing.test", "/padded-cookie");
        assertEquals(200, padded.statusCode(), padded.body());
        assertEquals("a=1; Path=/", padded.headers().firstValue("set-cookie").orElse(""));

        HttpResponse<String> nul = hostel.get("failing.test", "/nul-header");
        assertEquals(500, nul.statusCode());
        assertTrue(nul.headers().firstValue("x-nul").isEmpty());
        Await.until(() -> hostel.log("failing").contains("CR, LF or NUL in the value of response header 'X-Nul'"),
                Duration.ofSeconds(60), "no log line naming the header 'X-Nul' in the site's log");
    }

    @Test
    void theTargetReachesTheAppAsTheClientsBytesWithoutItsFragment() throws Exception {
        hostel.awaitAnswering("failing", "failing.test", "/", Duration.ofSeconds(120));
        // Raw bytes C3 A0 (UTF-8 of U+00E0), then a raw E9 (not UTF-8), then escapes; a fragment at the end.
        String raw = RawHttp.exchange(hostel.port(), "GET /target/\u00c3\u00a0%20k/\u00e9?q=\u00c3\u00a0&r=%41#frag "
                + "HTTP/1.1\r\nHost: failing.test\r\nConnection: close\r\n\r\n", 60_000);
        assertEquals(200, RawHttp.status(raw), raw);
        String body = raw.substring(raw.indexOf("\r\n\r\n") + 4);
        assertEquals("/target/\u00c3\u00a0 k/\u00e9\nq=\u00c3\u00a0&r=%41\n", body,
                "PATH_INFO decoded to the same bytes, QUERY_STRING as sent, no fragment");
    }

    @Test
    void aRequestOverItsTimeoutGets504() throws Exception {
        // request_timeout is 15 s: short enough for a test, long enough for any answer on a busy machine.
        HttpResponse<String> response = hostel.get("failing.test", "/sleep?60");
        assertEquals(504, response.statusCode());
        Await.ok(hostel, "failing.test", "/"); // the site answers again after a timeout
    }

    @Test
    void staticFilesAreServedWithValidatorsAndConditionalGets() throws Exception {
        HttpResponse<String> css = hostel.get("blog.localhost", "/static/style.css");
        assertEquals(200, css.statusCode());
        assertEquals(Files.readString(TestHostel.HOME.resolve("sites/blog/static/style.css")), css.body());
        assertTrue(css.headers().firstValue("content-type").orElse("").startsWith("text/css"));
        String etag = css.headers().firstValue("etag").orElseThrow();
        String lastModified = css.headers().firstValue("last-modified").orElseThrow();

        HttpResponse<String> byEtag = hostel.client.send(hostel.request("blog.localhost", "/static/style.css")
                .header("If-None-Match", etag).build(), HttpResponse.BodyHandlers.ofString());
        assertEquals(304, byEtag.statusCode());
        assertEquals("", byEtag.body());
        HttpResponse<String> byDate = hostel.client.send(hostel.request("blog.localhost", "/static/style.css")
                .header("If-Modified-Since", lastModified).build(), HttpResponse.BodyHandlers.ofString());
        assertEquals(304, byDate.statusCode());

        HttpResponse<String> range = hostel.client.send(hostel.request("blog.localhost", "/static/style.css")
                .header("Range", "bytes=0-3").build(), HttpResponse.BodyHandlers.ofString());
        assertEquals(206, range.statusCode());
        assertEquals(css.body().substring(0, 4), range.body());

        HttpResponse<byte[]> png = hostel.client.send(hostel.request("blog.localhost", "/static/logo.png").build(),
                HttpResponse.BodyHandlers.ofByteArray());
        assertEquals("image/png", png.headers().firstValue("content-type").orElse(""));
        assertEquals(HexFormat.of().formatHex(Files.readAllBytes(TestHostel.HOME.resolve("sites/blog/static/logo.png"))),
                HexFormat.of().formatHex(png.body()));
    }

    @Test
    void noStaticPathLeavesItsFolder() throws Exception {
        String[] attempts = {
            "/static/../mysite/settings.py",
            "/static/%2e%2e/mysite/settings.py",
            "/static/..%2fmysite/settings.py",
            "/static/%2e%2e%2f%2e%2e%2fconf/hostel.toml",
            "/static/..\\mysite\\settings.py",
        };
        for (String path : attempts) {
            String raw = RawHttp.exchange(hostel.port(),
                    "GET " + path + " HTTP/1.1\r\nHost: blog.localhost\r\nConnection: close\r\n\r\n", 60_000);
            assertAll(path,
                    () -> assertNotEquals(200, RawHttp.status(raw), raw),
                    () -> assertFalse(raw.contains("GREETING"), raw),
                    () -> assertFalse(raw.contains("SITE_NAME"), raw));
        }
    }

    /**
     * The gateway keeps its connections to a runner open between requests (nginx's {@code keepalive} upstream):
     * twenty requests, one after the other on one client connection, travel over at most two runner connections
     * (one, plus one that a request of another test may have left). Seen from the runner's side: the sockets it
     * holds open, sampled after each response, by inode.
     */
    @Test
    void requestsOneAfterAnotherReuseTheRunnersConnection() throws Exception {
        long runner = hostel.hostel.sites().get("hello").supervisor().runners().get(0).pid();
        Set<String> before = sockets(runner);
        Set<String> seen = new HashSet<>();
        try (Socket socket = new Socket("127.0.0.1", hostel.port())) {
            socket.setSoTimeout(60_000);
            InputStream in = socket.getInputStream();
            for (int i = 0; i < 20; i++) {
                socket.getOutputStream().write("GET / HTTP/1.1\r\nHost: hello.localhost\r\n\r\n"
                        .getBytes(StandardCharsets.ISO_8859_1));
                StringBuilder response = new StringBuilder();
                int c;
                while (!response.toString().endsWith("Hello, world!") && (c = in.read()) != -1) {
                    response.append((char) c);
                }
                assertTrue(response.toString().startsWith("HTTP/1.1 200"), response.toString());
                seen.addAll(sockets(runner));
            }
        }
        seen.removeAll(before);
        assertTrue(seen.size() <= 2, "runner connections opened for 20 requests: " + seen.size());
    }

    /** The inodes of the sockets a process holds open. */
    private static Set<String> sockets(long pid) throws Exception {
        Set<String> inodes = new HashSet<>();
        try (Stream<Path> fds = Files.list(Path.of("/proc", Long.toString(pid), "fd"))) {
            for (Path fd : (Iterable<Path>) fds::iterator) {
                try {
                    String target = Files.readSymbolicLink(fd).toString();
                    if (target.startsWith("socket:")) {
                        inodes.add(target);
                    }
                } catch (IOException closedMeanwhile) {
                    // an fd closed between the listing and the read
                }
            }
        }
        return inodes;
    }

    @Test
    void pipelinedRequestsAreAnsweredInOrder() throws Exception {
        String request = "GET /stream?n=3&delay=0.2 HTTP/1.1\r\nHost: stream.localhost\r\n\r\n"
                + "GET / HTTP/1.1\r\nHost: hello.localhost\r\n\r\n"
                + "GET /counter HTTP/1.1\r\nHost: blog.localhost\r\nConnection: close\r\n\r\n";
        String raw = RawHttp.exchange(hostel.port(), request, 60_000);
        int stream = raw.indexOf("line 3 of 3");
        int hello = raw.indexOf("Hello, world!");
        int blog = raw.indexOf("HTTP/1.1 200", hello);
        assertTrue(stream > 0 && hello > stream && blog > hello, raw);
    }

    @Test
    void malformedRequestsGet400And414And431() throws Exception {
        int port = hostel.port();
        assertEquals(400, RawHttp.firstStatus(port,
                "GET / HTTP/1.1\r\nHost: hello.localhost\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n"));
        assertEquals(400, RawHttp.firstStatus(port, "GARBAGE\r\n\r\n"));
        assertEquals(414, RawHttp.firstStatus(port,
                "GET /" + "a".repeat(10_000) + " HTTP/1.1\r\nHost: hello.localhost\r\n\r\n"));
        assertEquals(431, RawHttp.firstStatus(port,
                "GET / HTTP/1.1\r\nHost: hello.localhost\r\nX-Big: " + "b".repeat(20_000) + "\r\n\r\n"));
        assertEquals(405, RawHttp.firstStatus(port, "CONNECT example.com:443 HTTP/1.1\r\nHost: hello.localhost\r\n\r\n"),
                "a tunnel would turn a pooled runner connection into a raw pipe");
        HttpResponse<String> fine = hostel.get("hello.localhost", "/");
        assertEquals("Hello, world!", fine.body(), "the gateway still serves after bad requests");
    }

    @Test
    void theAppSeesForwardedHeaders() throws Exception {
        HttpResponse<String> response = hostel.client.send(hostel.request("hello.localhost", "/")
                .header("Connection", "close").build(), HttpResponse.BodyHandlers.ofString());
        assertEquals(200, response.statusCode());
    }

    @Test
    void twoHundredConcurrentRequestsAllSucceed() throws Exception {
        List<CompletableFuture<HttpResponse<String>>> responses = new ArrayList<>();
        String[] hosts = {"hello.localhost", "blog.localhost", "shop.localhost"};
        for (int i = 0; i < 200; i++) {
            responses.add(hostel.client.sendAsync(hostel.request(hosts[i % hosts.length], "/").build(),
                    HttpResponse.BodyHandlers.ofString()));
        }
        int ok = 0;
        for (CompletableFuture<HttpResponse<String>> response : responses) {
            if (response.get(60, TimeUnit.SECONDS).statusCode() == 200) {
                ok++;
            }
        }
        assertEquals(200, ok);
    }

    static String sha256(byte[] data) throws Exception {
        return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(data));
    }
}
