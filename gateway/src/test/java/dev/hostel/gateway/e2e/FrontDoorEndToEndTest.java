package dev.hostel.gateway.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.hostel.gateway.server.ResponseBuffers;
import dev.hostel.gateway.supervisor.RunnerProcess;
import dev.hostel.gateway.supervisor.RunnerState;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * The gateway's front door as a client on a raw socket sees it, with a real runner: the request-line and Host
 * rules of RFC 9112, absolute-form targets, chunked bodies over {@code max_body}, static files, and clients that
 * stop reading a large response (the gateway takes their responses off the runner, memory then a temporary file,
 * so the site's workers serve others, and the slow clients are disconnected after {@code request_timeout}
 * without the runner being taken for stuck).
 */
class FrontDoorEndToEndTest {
    private static final int SLOW_CLIENTS = 4;
    private static final int MEGABYTES = 16;
    private static final int PER_ADDRESS = 20;
    private static TestHostel hostel;

    @BeforeAll
    static void start() throws Exception {
        hostel = TestHostel.start("budget = \"1G\"\nmax_connections_per_address = " + PER_ADDRESS, dir -> TestHostel.site(dir, "big", "big.test", "big:application",
                TestHostel.TEST_SITES.resolve("big"), """
                        memory = "160M"
                        threads = 2
                        request_timeout = "10s"
                        max_body = "100K"
                        static = { "/static/" = "static" }
                        """));
        Await.ok(hostel, "big.test", "/");
    }

    @AfterAll
    static void stop() {
        hostel.stop();
    }

    @ParameterizedTest(name = "{0} -> {2}")
    @CsvSource(delimiter = '|', quoteCharacter = '`', value = {
            // what                      | request line and headers (\\n is CRLF)                      | status
            "HTTP/2.0                    | GET / HTTP/2.0\\nHost: big.test                              | 505",
            "HTTP/1.2                    | GET / HTTP/1.2\\nHost: big.test                              | 505",
            "lower-case version          | GET / http/1.1\\nHost: big.test                              | 400",
            "version without minor       | GET / HTTP/2\\nHost: big.test                                | 400",
            "HTTP/1.0 is spoken          | GET / HTTP/1.0\\nHost: big.test                              | 200",
            "OPTIONS *                   | OPTIONS * HTTP/1.1\\nHost: big.test                          | 200",
            "* without OPTIONS           | GET * HTTP/1.1\\nHost: big.test                              | 400",
            "authority-form without CONNECT | GET big.test:80 HTTP/1.1\\nHost: big.test                 | 400",
            "CONNECT                     | CONNECT big.test:80 HTTP/1.1\\nHost: big.test                | 405",
            "origin-form without slash   | GET index.html HTTP/1.1\\nHost: big.test                     | 400",
            "TRACE                       | TRACE / HTTP/1.1\\nHost: big.test                            | 405",
            "absolute-form of ftp        | GET ftp://big.test/ HTTP/1.1\\nHost: big.test                | 400",
            "absolute-form with userinfo | GET http://a@big.test/ HTTP/1.1\\nHost: big.test             | 400",
            "no Host on 1.1              | GET / HTTP/1.1                                              | 400",
            "empty Host on 1.1           | `GET / HTTP/1.1\\nHost: `                                    | 400",
            "no Host on 1.0, no default  | GET / HTTP/1.0                                              | 404",
            "Host with a path            | GET / HTTP/1.1\\nHost: a/../big.test                         | 400",
            "Host with userinfo          | GET / HTTP/1.1\\nHost: a@big.test                            | 400",
            "Host with a space           | GET / HTTP/1.1\\nHost: big .test                             | 400",
            "Host with a comma           | `GET / HTTP/1.1\\nHost: big.test, other.test`                | 400",
            "Host with an empty label    | GET / HTTP/1.1\\nHost: big..test                             | 400",
            "bare IPv6 Host              | GET / HTTP/1.1\\nHost: ::1                                   | 400",
            "obs-folded Host             | `GET / HTTP/1.1\\nHost: big\\n .test`                         | 400",
            "two Hosts                   | GET / HTTP/1.1\\nHost: big.test\\nHost: big.test              | 400",
            "Host with a bad port        | GET / HTTP/1.1\\nHost: big.test:http                         | 400",
            "Host with a port            | GET / HTTP/1.1\\nHost: big.test:8080                         | 200",
            "Host in capitals            | GET / HTTP/1.1\\nHost: BIG.test                              | 200",
            "bracketed IPv6 Host         | GET / HTTP/1.1\\nHost: [::1]:8080                            | 404",
            "absolute-form wins          | GET http://big.test/ HTTP/1.1\\nHost: nobody.test            | 200",
            "absolute-form wins, no site | GET http://nobody.test/ HTTP/1.1\\nHost: big.test            | 404",
            "absolute-form in capitals   | GET HTTP://BIG.TEST:80/ HTTP/1.1\\nHost: nobody.test         | 200",
    })
    void requestLineAndHostRules(String what, String head, int status) throws Exception {
        String request = head.replace("\\n", "\r\n") + "\r\n\r\n";
        assertEquals(status, exchange(request).status(), what);
    }

    @Test
    void optionsAsteriskListsTheMethods() throws Exception {
        Reply reply = exchange("OPTIONS * HTTP/1.1\r\nHost: big.test\r\n\r\n");
        assertEquals("GET, HEAD, POST, PUT, PATCH, DELETE, OPTIONS", reply.header("allow"));
    }

    @Test
    void aSmallChunkedBodyReachesTheAppWholeWithItsLength() throws Exception {
        Reply reply = exchange("POST /count HTTP/1.1\r\nHost: big.test\r\nTransfer-Encoding: chunked\r\n\r\n"
                + chunked(10, 1000));
        assertEquals(200, reply.status(), reply.body());
        assertEquals("read 10000 of 10000\n", reply.body());
    }

    @Test
    void aChunkedBodyOverMaxBodyGets413AndTheAppReadsNoMoreThanMaxBody() throws Exception {
        // 150 KB against max_body 100K: past the 64 KB the gateway holds, so the app starts reading, and is cut off.
        Reply reply = exchange("POST /count HTTP/1.1\r\nHost: big.test\r\nTransfer-Encoding: chunked\r\n\r\n"
                + chunked(150, 1024));
        assertEquals(413, reply.status());
        long most = Long.parseLong(hostel.get("big.test", "/maxread").body().trim());
        assertTrue(most <= 100 * 1024, "the app read " + most + " bytes");
    }

    @ParameterizedTest(name = "{0} {1} -> {2}")
    @CsvSource(delimiter = '|', quoteCharacter = '`', value = {
            // path                   | Range         | status | body or Location
            "/static/a.txt            |               | 200    | abcdefghij",
            "/static/a.txt/           |               | 404    |",
            "/static/sub              |               | 301    | /static/sub/",
            "/static/sub/             |               | 200    | `sub index\\n`",
            "/static/sub/../a.txt     |               | 200    | abcdefghij",
            "/static/../big.py        |               | 400    |",
            "/static/a.txt            | bytes=0-2     | 206    | abc",
            "/static/a.txt            | Bytes=0-2     | 206    | abc",
            "/static/a.txt            | bytes=0-2,1-4 | 206    | abcde",
    })
    void staticFiles(String path, String range, int status, String expected) throws Exception {
        Reply reply = exchange("GET " + path + " HTTP/1.1\r\nHost: big.test\r\n"
                + (range == null ? "" : "Range: " + range + "\r\n") + "\r\n");
        assertEquals(status, reply.status(), path);
        if (status == 301) {
            assertEquals(expected, reply.header("location"));
        } else if (expected != null) {
            assertEquals(expected.replace("\\n", "\n"), reply.body());
        }
    }

    @Test
    void severalRangesOfAStaticFileAreMultipart() throws Exception {
        Reply reply = exchange("GET /static/a.txt HTTP/1.1\r\nHost: big.test\r\nRange: bytes=0-1,8-\r\n\r\n");
        assertEquals(206, reply.status());
        String type = reply.header("content-type");
        assertTrue(type.startsWith("multipart/byteranges; boundary="), type);
        String boundary = type.substring(type.indexOf('=') + 1);
        assertEquals("\r\n--" + boundary + "\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Range: bytes 0-1/10"
                + "\r\n\r\nab\r\n--" + boundary + "\r\nContent-Type: text/plain; charset=utf-8\r\n"
                + "Content-Range: bytes 8-9/10\r\n\r\nij\r\n--" + boundary + "--\r\n", reply.body());
    }

    @Test
    void slowReadersHoldNoWorkerAndGetNoHealthyRunnerReplaced() throws Exception {
        List<RunnerProcess> runners = hostel.hostel.sites().get("big").supervisor().runners();
        assertEquals(1, runners.size());
        RunnerProcess runner = runners.get(0);
        ResponseBuffers buffers = hostel.hostel.responseBuffers();
        List<Socket> slow = new ArrayList<>();
        try {
            for (int i = 0; i < SLOW_CLIENTS; i++) {
                Socket socket = new Socket();
                socket.setReceiveBufferSize(8 * 1024);
                socket.connect(new InetSocketAddress("127.0.0.1", hostel.port()), 5000);
                socket.getOutputStream().write(("GET /big?mb=" + MEGABYTES + " HTTP/1.1\r\nHost: big.test\r\n\r\n")
                        .getBytes(StandardCharsets.US_ASCII));
                slow.add(socket);
            }
            // More slow clients than workers, none reading: still every response leaves the runner.
            Await.until(() -> runner.inFlight().get() == 0 && buffers.fileBytes() > (SLOW_CLIENTS - 1L) * MEGABYTES << 20,
                    Duration.ofSeconds(60), "the runner still holds slow clients' responses: in flight "
                            + runner.inFlight().get() + ", held in files " + buffers.fileBytes());
            for (int i = 0; i < 10; i++) {
                assertEquals(200, hostel.get("big.test", "/").statusCode());
            }
            assertTrue(buffers.fileBytes() > 0, "the slow clients were still stalled while the others were served");
            assertTrue(buffers.memoryBytes() <= SLOW_CLIENTS * 64 * 1024, "memory held: " + buffers.memoryBytes());
            assertTrue(metric("hostel_proxy_buffered_bytes{where=\"file\"}") > 0, "the metric shows it");

            // After request_timeout of reading nothing, the slow clients are let go; the runner is not blamed.
            Await.until(() -> buffers.fileBytes() == 0 && buffers.memoryBytes() == 0, Duration.ofSeconds(60),
                    "the slow clients were never let go");
            for (Socket socket : slow) {
                assertTrue(drain(socket) < MEGABYTES << 20, "a slow client got its whole response");
            }
        } finally {
            for (Socket socket : slow) {
                socket.close();
            }
        }
        assertEquals(List.of(runner), hostel.hostel.sites().get("big").supervisor().runners(), "same runner");
        assertEquals(RunnerState.READY, runner.state());
        assertEquals(0, hostel.hostel.supervisor().events().get("big", "recycle", "request_timeout"));
        assertEquals(200, hostel.get("big.test", "/").statusCode());
    }

    /** Reads what the gateway still sent before it closed the connection. */
    private static long drain(Socket socket) throws Exception {
        socket.setSoTimeout(30_000);
        InputStream in = socket.getInputStream();
        byte[] buf = new byte[64 * 1024];
        long total = 0;
        try {
            for (int n; (n = in.read(buf)) >= 0; ) {
                total += n;
            }
        } catch (java.net.SocketException reset) {
            // closed with unsent data: a reset is as good an end as any
        }
        return total;
    }

    @Test
    void aClientOverItsConnectionLimitIsRefusedWith503() throws Exception {
        List<Socket> open = new ArrayList<>();
        try {
            Reply refused = null;
            // Other tests' pooled connections count too: open until refused, never past the limit.
            while (refused == null && open.size() <= PER_ADDRESS) {
                Socket socket = new Socket("127.0.0.1", hostel.port());
                socket.setSoTimeout(60_000);
                open.add(socket);
                Reply reply = exchange(socket, "GET / HTTP/1.1\r\nHost: big.test\r\n\r\n");
                if (reply.status() != 200) {
                    refused = reply;
                }
            }
            assertTrue(refused != null, "no refusal with " + open.size() + " connections open");
            assertEquals(503, refused.status());
            assertEquals("close", refused.header("connection"));
            assertEquals("5", refused.header("retry-after"));
            assertTrue(metric("hostel_connections_refused_total") >= 1);
        } finally {
            for (Socket socket : open) {
                socket.close();
            }
        }
        // The closed connections are counted out: the address may connect again.
        Await.until(() -> exchange("GET / HTTP/1.1\r\nHost: big.test\r\n\r\n").status() == 200, Duration.ofSeconds(60),
                "still refused after its connections closed");
    }

    /** A response as a raw-socket client reads it: status, headers, and the body by its Content-Length. */
    record Reply(int status, List<String> headers, String body) {
        String header(String name) {
            for (String line : headers) {
                int colon = line.indexOf(':');
                if (colon > 0 && line.substring(0, colon).trim().equalsIgnoreCase(name)) {
                    return line.substring(colon + 1).trim();
                }
            }
            return null;
        }
    }

    /** Sends {@code request} on a new connection and reads one response. */
    private static Reply exchange(String request) throws IOException {
        try (Socket socket = new Socket("127.0.0.1", hostel.port())) {
            socket.setSoTimeout(60_000);
            return exchange(socket, request);
        }
    }

    /** Sends {@code request} on {@code socket} and reads one response, leaving the connection open. */
    private static Reply exchange(Socket socket, String request) throws IOException {
        socket.getOutputStream().write(request.getBytes(StandardCharsets.ISO_8859_1));
        InputStream in = socket.getInputStream();
        ByteArrayOutputStream head = new ByteArrayOutputStream();
        while (!head.toString(StandardCharsets.ISO_8859_1).endsWith("\r\n\r\n")) {
            int b = in.read();
            if (b < 0) {
                throw new IOException("connection closed in the response head: " + head);
            }
            head.write(b);
        }
        String[] lines = head.toString(StandardCharsets.ISO_8859_1).split("\r\n");
        List<String> headers = List.of(lines).subList(1, lines.length);
        Reply reply = new Reply(Integer.parseInt(lines[0].split(" ")[1]), headers, "");
        String length = reply.header("content-length");
        byte[] body = in.readNBytes(length == null ? 0 : Integer.parseInt(length));
        return new Reply(reply.status(), headers, new String(body, StandardCharsets.ISO_8859_1));
    }

    /** The value of one line of the Prometheus scrape, by its name and labels. */
    private static double metric(String nameAndLabels) {
        for (String line : hostel.hostel.metrics().scrape().split("\n")) {
            if (line.startsWith(nameAndLabels + " ")) {
                return Double.parseDouble(line.substring(nameAndLabels.length() + 1).trim());
            }
        }
        throw new AssertionError("no metric " + nameAndLabels);
    }

    /** A chunked body of {@code count} chunks of {@code size} bytes. */
    private static String chunked(int count, int size) {
        String chunk = Integer.toHexString(size) + "\r\n" + "y".repeat(size) + "\r\n";
        return chunk.repeat(count) + "0\r\n\r\n";
    }
}
