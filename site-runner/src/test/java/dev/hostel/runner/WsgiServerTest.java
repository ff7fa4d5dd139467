package dev.hostel.runner;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.hostel.runner.UdsClient.Response;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** The runner end to end: real HTTP over a real Unix socket to the test apps in {@code apps/}. */
class WsgiServerTest {
    private static Path socket;

    @BeforeAll
    static void start() throws Exception {
        socket = SharedRunner.socket();
    }

    private static Response get(String target, String... headers) throws Exception {
        try (UdsClient client = UdsClient.connect(socket)) {
            return client.get(target, headers);
        }
    }

    /** The /environ app's KEY<TAB>TYPE<TAB>VALUE lines as KEY -> "TYPE VALUE". */
    private static Map<String, String> environ(Response response) {
        Map<String, String> environ = new LinkedHashMap<>();
        for (String line : response.text().split("\n")) {
            String[] parts = line.split("\t", 3);
            environ.put(parts[0], parts[1] + " " + parts[2]);
        }
        return environ;
    }

    @Test
    void environHasEveryRequiredKeyWithByteStrings() throws Exception {
        Response response = get("/environ/x?a=1&b=%20", "Host: example.com:8080",
                "X-Forwarded-For: 203.0.113.9, 198.51.100.7", "X-Forwarded-Proto: https");
        assertEquals(200, response.status());
        Map<String, String> env = environ(response);
        assertEquals("str GET", env.get("REQUEST_METHOD"));
        assertEquals("str ", env.get("SCRIPT_NAME"));
        assertEquals("str /environ/x", env.get("PATH_INFO"));
        assertEquals("str a=1&b=%20", env.get("QUERY_STRING"));
        assertEquals("str example.com", env.get("SERVER_NAME"));
        assertEquals("str 8080", env.get("SERVER_PORT"));
        assertEquals("str HTTP/1.1", env.get("SERVER_PROTOCOL"));
        assertEquals("str 198.51.100.7", env.get("REMOTE_ADDR"));
        assertEquals("str example.com:8080", env.get("HTTP_HOST"));
        assertEquals("str https", env.get("wsgi.url_scheme"));
        assertEquals("tuple (1, 0)", env.get("wsgi.version"));
        assertEquals("bool True", env.get("wsgi.multithread"));
        assertEquals("bool True", env.get("wsgi.multiprocess"));
        assertEquals("bool False", env.get("wsgi.run_once"));
        assertTrue(env.get("wsgi.input").startsWith("WsgiInput"), env.get("wsgi.input"));
        assertTrue(env.get("wsgi.errors").startsWith("file <open file '<stderr>'"), env.get("wsgi.errors"));
        assertTrue(env.get("wsgi.file_wrapper").contains("FileWrapper"), env.get("wsgi.file_wrapper"));
        assertNull(env.get("CONTENT_TYPE"), "no Content-Type header, no CONTENT_TYPE");
        assertNull(env.get("CONTENT_LENGTH"), "no body, no CONTENT_LENGTH");
        for (Map.Entry<String, String> entry : env.entrySet()) {
            if (!entry.getKey().contains(".")) {
                assertTrue(entry.getValue().startsWith("str "), entry.getKey() + " is " + entry.getValue());
            }
        }
    }

    @Test
    void contentHeadersBecomeContentTypeAndLength() throws Exception {
        try (UdsClient client = UdsClient.connect(socket)) {
            Response response = client.request("POST", "/environ", "a=b".getBytes(StandardCharsets.US_ASCII),
                    "Content-Type: application/x-www-form-urlencoded");
            Map<String, String> env = environ(response);
            assertEquals("str application/x-www-form-urlencoded", env.get("CONTENT_TYPE"));
            assertEquals("str 3", env.get("CONTENT_LENGTH"));
            assertNull(env.get("HTTP_CONTENT_TYPE"));
            assertNull(env.get("HTTP_CONTENT_LENGTH"));
        }
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
            "Host: example.com                            |                          | example.com | 80",
            "Host: example.com:8080                       |                          | example.com | 8080",
            "Host: example.com:8080                       | X-Forwarded-Port: 8443   | example.com | 8443",
            "Host: [::1]:9000                             |                          | [::1]       | 9000",
            "Host: example.com                            | X-Forwarded-Proto: https | example.com | 443",
    })
    void serverNameAndPort(String host, String extra, String name, String port) throws Exception {
        Response response = extra == null ? get("/environ", host) : get("/environ", host, extra);
        Map<String, String> env = environ(response);
        assertEquals("str " + name, env.get("SERVER_NAME"));
        assertEquals("str " + port, env.get("SERVER_PORT"));
    }

    @Test
    void pathInfoIsPercentDecodedToLatin1Bytes() throws Exception {
        Response response = get("/path/a%20b/%C3%A9%2Fx/%zz?q=%20");
        assertEquals(200, response.status());
        assertArrayEquals("/path/a b/\u00c3\u00a9/x/%zz".getBytes(StandardCharsets.ISO_8859_1), response.body());
    }

    @Test
    void rawNonAsciiBytesOfTheTargetReachPathInfoAsTheSameBytes() throws Exception {
        try (UdsClient client = UdsClient.connect(socket)) {
            client.send("GET /path/\u00c3\u00a0%20k HTTP/1.1\r\nHost: localhost\r\n\r\n");
            Response response = client.readResponse(false);
            assertArrayEquals(new byte[] {'/', 'p', 'a', 't', 'h', '/', (byte) 0xC3, (byte) 0xA0, ' ', 'k'},
                    response.body());
        }
    }

    @Test
    void aFragmentIsDroppedFromPathAndQuery() throws Exception {
        Map<String, String> env = environ(get("/environ/p?a=1#frag"));
        assertEquals("str /environ/p", env.get("PATH_INFO"));
        assertEquals("str a=1", env.get("QUERY_STRING"));
        assertEquals("str /environ/p", environ(get("/environ/p#frag?b=2")).get("PATH_INFO"));
    }

    @Test
    void aChunkedBodyReachesTheAppDecodedWithItsLengthAndNoTransferEncoding() throws Exception {
        try (UdsClient client = UdsClient.connect(socket)) {
            client.send("POST /environ HTTP/1.1\r\nHost: localhost\r\nTransfer-Encoding: chunked\r\n\r\n");
            client.sendChunk("abc".getBytes(StandardCharsets.US_ASCII));
            client.sendChunk("defg".getBytes(StandardCharsets.US_ASCII));
            client.send("0\r\n\r\n");
            Map<String, String> env = environ(client.readResponse(false));
            assertNull(env.get("HTTP_TRANSFER_ENCODING"), "the body is decoded already");
            assertEquals("str 7", env.get("CONTENT_LENGTH"), "a short chunked body is gathered, as nginx does");
            assertEquals("bool True", env.get("wsgi.input_terminated"));
        }
    }

    @Test
    void aChunkedBodyTooLongToGatherIsStreamedWithoutContentLength() throws Exception {
        byte[] chunk = new byte[64 * 1024];
        try (UdsClient client = UdsClient.connect(socket)) {
            client.send("POST /environ HTTP/1.1\r\nHost: localhost\r\nTransfer-Encoding: chunked\r\n\r\n");
            for (int sent = 0; sent <= WsgiRequestHandler.GATHERED_BODY_LIMIT; sent += chunk.length) {
                client.sendChunk(chunk);
            }
            client.send("0\r\n\r\n");
            Map<String, String> env = environ(client.readResponse(false));
            assertNull(env.get("HTTP_TRANSFER_ENCODING"));
            assertNull(env.get("CONTENT_LENGTH"), "read until '' (wsgi.input_terminated), as under gunicorn");
        }
    }

    @Test
    void outerWhitespaceOfAResponseHeaderValueIsStripped() throws Exception {
        Response response = get("/padded-header");
        assertEquals(200, response.status(), response.text());
        assertEquals("a=1; Path=/", response.header("Set-Cookie"));
        assertEquals("b", response.header("X-Padded"));
    }

    @Test
    void repeatedHeadersAreJoinedCookiesWithSemicolons() throws Exception {
        Map<String, String> env = environ(get("/environ", "X-Multi: a", "X-Multi: b", "Cookie: c=1",
                "Cookie: d=2", "X_Sneaky: dropped"));
        assertEquals("str a, b", env.get("HTTP_X_MULTI"));
        assertEquals("str c=1; d=2", env.get("HTTP_COOKIE"));
        assertNull(env.get("HTTP_X_SNEAKY"), "headers with underscores are dropped");
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
            "read           | ['abc', 'defg', 'hi\\nline2\\nlast', '', '']",
            "read-minus-one | ['abcdefghi\\nline2\\nlast', '', '']",
            "readline       | ['abcdefghi\\n', 'li', 'ne2\\n', 'last', '', '']",
            "readlines      | [['abcdefghi\\n', 'line2\\n', 'last'], '', '']",
            "readlines-hint | [['abcdefghi\\n'], ['line2\\n', 'last']]",
            "iter           | [['abcdefghi\\n', 'line2\\n', 'last'], '']",
    })
    void wsgiInputMethods(String op, String expected) throws Exception {
        byte[] body = "abcdefghi\nline2\nlast".getBytes(StandardCharsets.US_ASCII);
        try (UdsClient client = UdsClient.connect(socket)) {
            Response response = client.request("POST", "/input/" + op, body);
            assertEquals(200, response.status(), response.text());
            assertEquals(expected, response.text());
        }
    }

    @Test
    void wsgiInputReadsAChunkedBodyInPieces() throws Exception {
        try (UdsClient client = UdsClient.connect(socket)) {
            client.send("POST /input/readline HTTP/1.1\r\nHost: localhost\r\nTransfer-Encoding: chunked\r\n\r\n");
            client.sendChunk("abc".getBytes(StandardCharsets.US_ASCII));
            client.sendChunk("defghi\nli".getBytes(StandardCharsets.US_ASCII));
            client.sendChunk("ne2\nlast".getBytes(StandardCharsets.US_ASCII));
            client.send("0\r\n\r\n");
            Response response = client.readResponse(false);
            assertEquals("['abcdefghi\\n', 'li', 'ne2\\n', 'last', '', '']", response.text());
        }
    }

    @Test
    void oneMegabytePostIsEchoedIntact() throws Exception {
        byte[] body = new byte[1024 * 1024];
        new Random(42).nextBytes(body);
        try (UdsClient client = UdsClient.connect(socket)) {
            Response response = client.request("POST", "/echo", body, "Content-Type: application/octet-stream");
            assertEquals(200, response.status());
            assertEquals(sha256(body), response.header("X-Sha256"));
            assertEquals(sha256(body), sha256(response.body()));
            assertEquals(String.valueOf(body.length), response.header("Content-Length"));
        }
    }

    @Test
    void chunkedRequestBodyIsEchoed() throws Exception {
        ByteArrayOutputStream all = new ByteArrayOutputStream();
        try (UdsClient client = UdsClient.connect(socket)) {
            client.send("POST /echo HTTP/1.1\r\nHost: localhost\r\nTransfer-Encoding: chunked\r\n\r\n");
            Random random = new Random(7);
            for (int i = 0; i < 20; i++) {
                byte[] chunk = new byte[1 + random.nextInt(30_000)];
                random.nextBytes(chunk);
                all.write(chunk);
                client.sendChunk(chunk);
            }
            client.send("0\r\n\r\n");
            Response response = client.readResponse(false);
            assertEquals(200, response.status());
            assertArrayEquals(all.toByteArray(), response.body());
            assertEquals(sha256(all.toByteArray()), response.header("X-Sha256"));
        }
    }

    @Test
    void largeBodyStreamsBothWaysAtOnce() throws Exception {
        byte[] chunk = new byte[100_000];
        new Random(3).nextBytes(chunk);
        int chunks = 160;
        MessageDigest sent = MessageDigest.getInstance("SHA-256");
        try (UdsClient client = UdsClient.connect(socket)) {
            // The app answers while it reads: the client must send and receive at the same time.
            CompletableFuture<Void> upload = CompletableFuture.runAsync(() -> {
                try {
                    client.send("POST /echo-stream HTTP/1.1\r\nHost: localhost\r\nTransfer-Encoding: chunked\r\n\r\n");
                    for (int i = 0; i < chunks; i++) {
                        client.sendChunk(chunk);
                    }
                    client.send("0\r\n\r\n");
                } catch (Exception e) {
                    throw new IllegalStateException(e);
                }
            });
            for (int i = 0; i < chunks; i++) {
                sent.update(chunk);
            }
            Response response = client.readResponse(false);
            upload.join();
            assertTrue(response.chunked());
            assertEquals(chunk.length * chunks, response.body().length);
            assertEquals(HexFormat.of().formatHex(sent.digest()), sha256(response.body()));
        }
    }

    @Test
    void generatorResponseArrivesChunked() throws Exception {
        Response response = get("/stream?n=4");
        assertEquals(200, response.status());
        assertTrue(response.chunked());
        assertNull(response.header("Content-Length"));
        assertTrue(response.complete());
        assertEquals("chunk-0\nchunk-1\nchunk-2\nchunk-3\n", response.text());
    }

    @Test
    void largeDownloadArrivesWhole() throws Exception {
        Response response = get("/big?mib=16");
        assertTrue(response.complete());
        assertEquals(16 * 1024 * 1024, response.body().length);
    }

    @Test
    void contentLengthFromTheAppIsKept() throws Exception {
        Response response = get("/length");
        assertEquals("10", response.header("Content-Length"));
        assertFalse(response.chunked());
        assertEquals("helloworld", response.text());
    }

    @Test
    void listResultGetsAContentLength() throws Exception {
        Response response = get("/environ");
        assertFalse(response.chunked());
        assertEquals(String.valueOf(response.body().length), response.header("Content-Length"));
    }

    @Test
    void writeCallableAndIterableAreConcatenated() throws Exception {
        Response response = get("/write");
        assertEquals("hello world!", response.text());
        assertTrue(response.complete());
    }

    @Test
    void fileWrapperServesAFile() throws Exception {
        Response response = get("/file");
        assertEquals(200, response.status());
        assertArrayEquals(Files.readAllBytes(SharedRunner.appsRoot().resolve("hostel_test_app.py")), response.body());
    }

    /**
     * wsgi.file_wrapper over a regular file: the runner sends it from the file (sendfile), byte for byte, with the
     * file's length as Content-Length; from where the app left the file; cut to the app's own Content-Length;
     * HEAD gets the length and no body; the connection carries the next request; the file is closed after.
     */
    @ParameterizedTest
    @CsvSource({"0, 0", "1, 0", "65536, 0", "3000000, 0", "3000000, 1000", "10485760, 0"})
    void fileWrapperSendsARegularFileIntact(int size, int skip) throws Exception {
        Path file = Files.createTempFile("hostel-file-wrapper-", ".bin");
        try {
            byte[] data = new byte[size];
            new Random(size).nextBytes(data);
            Files.write(file, data);
            String id = "fw-" + size + "-" + skip;
            try (UdsClient client = UdsClient.connect(socket)) {
                Response response = client.get("/file-path?path=" + file + "&skip=" + skip + "&id=" + id);
                assertEquals(200, response.status());
                assertEquals(String.valueOf(size - skip), response.header("Content-Length"));
                assertArrayEquals(java.util.Arrays.copyOfRange(data, skip, size), response.body());
                Response head = client.request("HEAD", "/file-path?path=" + file, null);
                assertEquals(200, head.status());
                assertEquals(String.valueOf(size), head.header("Content-Length"));
                assertEquals(0, head.body().length);
                assertEquals("hello", client.get("/hello").text(), "the connection carries the next request");
            }
            Await.until(() -> get("/closed?id=" + id).text().equals("yes"), Await.LONG,
                    "close() of the wrapped file was not called");
        } finally {
            Files.deleteIfExists(file);
        }
    }

    @Test
    void fileWrapperKeepsTheAppsContentLengthAndReadsOtherFileLikeObjects() throws Exception {
        Path file = Files.createTempFile("hostel-file-wrapper-", ".bin");
        try {
            byte[] data = new byte[200_000];
            new Random(7).nextBytes(data);
            Files.write(file, data);
            try (UdsClient client = UdsClient.connect(socket)) {
                Response cut = client.get("/file-path?path=" + file + "&length=1000");
                assertEquals("1000", cut.header("Content-Length"));
                assertArrayEquals(java.util.Arrays.copyOfRange(data, 0, 1000), cut.body());
                Response stringIo = client.get("/file-path?path=" + file + "&stringio=1");
                assertArrayEquals(data, stringIo.body(), "a StringIO is read block by block");
                assertEquals("hello", client.get("/hello").text());
            }
        } finally {
            Files.deleteIfExists(file);
        }
    }

    @Test
    void headGetsHeadersWithoutBodyAndKeepsTheConnection() throws Exception {
        try (UdsClient client = UdsClient.connect(socket)) {
            Response head = client.request("HEAD", "/hello", null);
            assertEquals(200, head.status());
            assertEquals("5", head.header("Content-Length"));
            Response streamed = client.request("HEAD", "/stream?n=3", null);
            assertEquals(200, streamed.status());
            assertNull(streamed.header("Transfer-Encoding"));
            assertNull(streamed.header("Content-Length"));
            Response next = client.get("/hello");
            assertEquals("hello", next.text());
        }
    }

    @Test
    void expectContinueIsAnsweredBeforeTheBodyIsSent() throws Exception {
        try (UdsClient client = UdsClient.connect(socket)) {
            client.send("POST /echo HTTP/1.1\r\nHost: localhost\r\nContent-Length: 4\r\nExpect: 100-continue\r\n\r\n");
            assertEquals(100, client.readResponse(false).status());
            client.send("ping");
            assertEquals("ping", client.readResponse(false).text());
        }
    }

    @Test
    void keepAliveServesManyRequestsOnOneConnection() throws Exception {
        try (UdsClient client = UdsClient.connect(socket)) {
            for (int i = 0; i < 5; i++) {
                assertEquals("chunk-0\n", client.get("/stream?n=1").text());
                assertEquals("hello", client.get("/hello").text());
            }
        }
    }

    /**
     * The gateway sends its next request as soon as it has read a response: nothing of the previous
     * response (such as an empty last chunk after a Content-Length body) may follow it.
     */
    @Test
    void backToBackMixedRequestsKeepTheirFraming() throws Exception {
        try (UdsClient client = UdsClient.connect(socket)) {
            for (int i = 0; i < 40; i++) {
                assertEquals("chunk-0\n", client.get("/stream?n=1").text());
                assertEquals("helloworld", client.get("/length").text());
                assertEquals(200, client.request("HEAD", "/hello", null).status());
                assertEquals(500, client.get("/raise").status());
                assertEquals("abc", client.request("POST", "/echo", "abc".getBytes(StandardCharsets.US_ASCII)).text());
                assertEquals("hello world!", client.get("/write").text());
                assertEquals(503, client.get("/exc-info").status());
                assertEquals("hello", client.get("/hello").text());
            }
        }
    }

    @Test
    void http10ResponseIsCloseDelimited() throws Exception {
        try (UdsClient client = UdsClient.connect(socket)) {
            client.send("GET /stream?n=2 HTTP/1.0\r\nHost: localhost\r\n\r\n");
            Response response = client.readResponse(false);
            assertFalse(response.chunked());
            assertEquals("chunk-0\nchunk-1\n", response.text());
            assertTrue(client.closedByServer(60_000));
        }
    }

    @Test
    void connectionCloseIsHonoured() throws Exception {
        try (UdsClient client = UdsClient.connect(socket)) {
            Response response = client.get("/hello", "Connection: close");
            assertEquals("close", response.header("Connection"));
            assertTrue(client.closedByServer(60_000));
        }
    }

    @ParameterizedTest
    @CsvSource({"/raise", "/crlf", "/nul-header", "/unicode-header", "/unicode-body", "/no-start", "/twice",
            "/status?600%20Too%20High", "/status?99%20Low", "/status?2000%20Long", "/status?20%20Short",
            "/status?-20%20Negative", "/status?1e2%20Float"})
    void applicationErrorsBeforeTheHeadGive500WithoutDetails(String target) throws Exception {
        try (UdsClient client = UdsClient.connect(socket)) {
            Response response = client.get(target);
            assertEquals(500, response.status());
            assertEquals("Internal Server Error\n", response.text());
            assertNull(response.header("X-Bad"));
            assertNull(response.header("Injected"));
            // The connection stays usable after an application error.
            assertEquals("hello", client.get("/hello").text());
        }
    }

    @Test
    void anyStatusFrom200To599Passes() throws Exception {
        Response response = get("/status?599%20Custom");
        assertEquals(599, response.status());
        assertEquals("Custom", response.reason());
    }

    @Test
    void excInfoReplacesAHeadNotYetSent() throws Exception {
        Response response = get("/exc-info");
        assertEquals(503, response.status());
        assertEquals("Try Later", response.reason());
        assertEquals("replaced", response.text());
    }

    @ParameterizedTest
    @CsvSource({"/raise-after", "/exc-info-late"})
    void errorsAfterTheHeadAbortTheConnection(String target) throws Exception {
        try (UdsClient client = UdsClient.connect(socket)) {
            Response response = client.get(target);
            assertEquals(200, response.status());
            assertTrue(response.chunked());
            assertFalse(response.complete(), "the gateway must see a truncated response");
            assertTrue(client.closedByServer(60_000));
        }
    }

    @Test
    void closeIsCalledWhenTheClientGoesAwayMidStream() throws Exception {
        String id = "gone-" + System.nanoTime();
        try (UdsClient client = UdsClient.connect(socket)) {
            client.send("GET /slow?id=" + id + " HTTP/1.1\r\nHost: localhost\r\n\r\n");
            client.skip(10_000);
        }
        Await.until(() -> get("/closed?id=" + id).text().equals("yes"), Await.LONG, "close() was not called");
    }

    @Test
    void requestsRunInParallel() throws Exception {
        // Each request answers only once all four are in the app at the same time: no timing involved.
        String id = "parallel-" + System.nanoTime();
        ExecutorService clients = Executors.newFixedThreadPool(4);
        List<CompletableFuture<String>> calls = new ArrayList<>();
        for (int i = 0; i < 4; i++) {
            calls.add(CompletableFuture.supplyAsync(() -> {
                try {
                    return get("/together?n=4&id=" + id).text();
                } catch (Exception e) {
                    throw new IllegalStateException(e);
                }
            }, clients));
        }
        for (CompletableFuture<String> call : calls) {
            assertEquals("together", call.get(180, TimeUnit.SECONDS), "4 requests on 8 workers did not run at once");
        }
        clients.shutdown();
    }

    @Test
    void malformedRequestGets400() throws Exception {
        try (UdsClient client = UdsClient.connect(socket)) {
            client.send("GET / HTTP/1.1\r\nHost: localhost\r\nContent-Length: nope\r\n\r\n");
            Response response = client.readResponse(false);
            assertEquals(400, response.status());
            assertTrue(client.closedByServer(60_000));
        }
    }

    static String sha256(byte[] data) throws Exception {
        return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(data));
    }
}
