package dev.hostel.gateway.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Flask 1.1 and two Django 1.11 projects (both the package {@code mysite}, with their own settings), exactly as
 * their releases ship them, behind a real Hostel: the frameworks come from {@code ../shared/frameworks} (unpacked
 * into {@code target/frameworks}, where Jython may write its {@code $py.class}); without that folder the class is
 * skipped and says so. One Hostel with the three sites serves every test of the class.
 */
@Timeout(value = 5, unit = TimeUnit.MINUTES)
class RealFrameworksEndToEndTest {
    static final Path ARCHIVES = TestHostel.HOME.resolve("../shared/frameworks").normalize();
    static final Path FRAMEWORKS = TestHostel.HOME.resolve("target/frameworks");
    /** Django on Jython holds more classes than the default 128M ceiling has room for (see the report). */
    private static final String MEMORY = "memory = \"256M\"";
    private static final String FLASK = "flask.test";
    private static final String ONE = "one.django.test";
    private static final String TWO = "two.django.test";
    private static final Pattern CSRF_INPUT = Pattern.compile("name=['\"]csrfmiddlewaretoken['\"] value=['\"]([^'\"]+)");

    private static TestHostel hostel;

    @BeforeAll
    static void start() throws Exception {
        assumeTrue(Files.isDirectory(ARCHIVES), ARCHIVES + " is absent: the Flask and Django tests are skipped");
        unpackFrameworks();
        Path apps = TestHostel.TEST_SITES;
        hostel = TestHostel.start("budget = \"2G\"", sites -> {
            TestHostel.site(sites, "flask", FLASK, "app:application", apps.resolve("flaskapp"),
                    "python_path = [\"%s\"]\n%s".formatted(FRAMEWORKS, MEMORY));
            for (String project : new String[] {"one", "two"}) {
                TestHostel.site(sites, "django" + project, project + ".django.test", "mysite.wsgi:application",
                        apps.resolve("django" + project), """
                        python_path = ["%s", "%s"]
                        static = { "/static/" = "static" }
                        %s
                        """.formatted(FRAMEWORKS, apps.resolve("djangopages"), MEMORY));
            }
        });
        // Runners that import from the same folder take turns (ImportLock), and a framework's first import
        // compiles it: on a busy 2-core machine the three can take minutes to be ready.
        for (String[] site : new String[][] {{"flask", FLASK, "/api/1"}, {"djangoone", ONE, "/api"},
                {"djangotwo", TWO, "/api"}}) {
            hostel.awaitAnswering(site[0], site[1], site[2], Duration.ofMinutes(10));
        }
    }

    @AfterAll
    static void stop() {
        if (hostel != null) {
            hostel.stop();
        }
    }

    /** Unpacks every archive once, as the frameworks' README says; Jython then compiles beside the sources. */
    static void unpackFrameworks() throws IOException, InterruptedException {
        Path marker = FRAMEWORKS.resolve(".unpacked");
        if (Files.exists(marker)) {
            return;
        }
        Files.createDirectories(FRAMEWORKS);
        try (var archives = Files.newDirectoryStream(ARCHIVES, "*.tar.gz")) {
            for (Path archive : archives) {
                Process tar = new ProcessBuilder("tar", "-xzf", archive.toString(), "-C", FRAMEWORKS.toString())
                        .inheritIO().start();
                if (tar.waitFor() != 0) {
                    throw new IOException("tar could not unpack " + archive);
                }
            }
        }
        Files.writeString(marker, "unpacked from " + ARCHIVES + "\n");
    }

    /**
     * A browser's cookie jar for one site: every {@code Set-Cookie} kept as sent (name=value, quotes and all) and
     * sent back in {@code Cookie}. Java's CookieManager is not used: it keys cookies by the URI's host (always
     * 127.0.0.1 here, so the sites would share them) and does not keep Django's quoted message cookie intact.
     */
    private static final class Browser {
        private final Map<String, String> cookies = new LinkedHashMap<>();

        HttpResponse<String> send(HttpRequest.Builder request) throws Exception {
            if (!cookies.isEmpty()) {
                request.header("Cookie", cookies.entrySet().stream().map(c -> c.getKey() + "=" + c.getValue())
                        .collect(Collectors.joining("; ")));
            }
            HttpResponse<String> response = RealFrameworksEndToEndTest.send(hostel.client, request.build());
            for (String cookie : response.headers().allValues("set-cookie")) {
                String pair = cookie.split(";", 2)[0];
                int equals = pair.indexOf('=');
                String name = pair.substring(0, equals).trim();
                String value = pair.substring(equals + 1);
                if (value.isEmpty() || cookie.contains("Max-Age=0")) {
                    cookies.remove(name);
                } else {
                    cookies.put(name, value);
                }
            }
            return response;
        }

        HttpResponse<String> get(String host, String path) throws Exception {
            return send(hostel.request(host, path));
        }
    }

    private static HttpResponse<String> send(HttpClient client, HttpRequest request) throws Exception {
        return client.send(request, HttpResponse.BodyHandlers.ofString());
    }

    private static HttpRequest.Builder form(String host, String path, String body) {
        return hostel.request(host, path).header("Content-Type", "application/x-www-form-urlencoded")
                .POST(HttpRequest.BodyPublishers.ofString(body));
    }

    // ---- Flask ----

    @Test
    void flaskRendersATemplateWithAutoescaping() throws Exception {
        HttpResponse<String> page = hostel.get(FLASK, "/?name=%3Cb%3EAda%3C/b%3E");
        assertEquals(200, page.statusCode(), page.body());
        assertTrue(page.headers().firstValue("content-type").orElse("").startsWith("text/html"));
        assertTrue(page.body().contains("<h1>Hello, &lt;b&gt;Ada&lt;/b&gt;!</h1>"), page.body());
    }

    @Test
    void flaskAnswersJsonAndReadsAForm() throws Exception {
        HttpResponse<String> json = hostel.get(FLASK, "/api/7");
        assertEquals(200, json.statusCode(), json.body());
        assertEquals("application/json", json.headers().firstValue("content-type").orElse(""));
        assertTrue(json.body().replace(" ", "").contains("\"square\":49"), json.body());

        HttpResponse<String> form = send(hostel.client, form(FLASK, "/form", "name=Ada+Lovelace&age=36").build());
        assertEquals(200, form.statusCode(), form.body());
        assertEquals("hello Ada Lovelace, you are 36", form.body());
    }

    @Test
    void flaskKeepsItsSessionInASignedCookie() throws Exception {
        Browser browser = new Browser();
        HttpResponse<String> first = browser.get(FLASK, "/visits");
        assertEquals(200, first.statusCode(), first.body());
        String cookie = first.headers().firstValue("set-cookie").orElse("");
        assertTrue(cookie.startsWith("session=") && cookie.contains("HttpOnly"), cookie);
        assertTrue(first.body().replace(" ", "").contains("\"visits\":1"), first.body());
        HttpResponse<String> second = browser.get(FLASK, "/visits");
        assertTrue(second.body().replace(" ", "").contains("\"visits\":2"), second.body());
        HttpResponse<String> stranger = hostel.get(FLASK, "/visits");
        assertTrue(stranger.body().replace(" ", "").contains("\"visits\":1"), "no cookie, a new session");
    }

    @Test
    void flaskReceivesATwoMegabyteMultipartUpload() throws Exception {
        byte[] file = new byte[2 * 1024 * 1024];
        new Random(11).nextBytes(file);
        String boundary = "hostel-boundary-7d1f";
        ByteArrayOutputStream body = new ByteArrayOutputStream();
        body.writeBytes(("--" + boundary + "\r\nContent-Disposition: form-data; name=\"note\"\r\n\r\nholiday\r\n"
                + "--" + boundary + "\r\nContent-Disposition: form-data; name=\"file\"; filename=\"photo.bin\"\r\n"
                + "Content-Type: application/octet-stream\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
        body.writeBytes(file);
        body.writeBytes(("\r\n--" + boundary + "--\r\n").getBytes(StandardCharsets.US_ASCII));
        HttpResponse<String> response = send(hostel.client, hostel.request(FLASK, "/upload")
                .header("Content-Type", "multipart/form-data; boundary=" + boundary)
                .POST(HttpRequest.BodyPublishers.ofByteArray(body.toByteArray())).build());
        assertEquals(200, response.statusCode(), response.body());
        String json = response.body().replace(" ", "");
        assertTrue(json.contains("\"length\":" + file.length), json);
        assertTrue(json.contains("\"sha256\":\"" + GatewayEndToEndTest.sha256(file) + "\""), json);
        assertTrue(json.contains("\"filename\":\"photo.bin\""), json);
        assertTrue(json.contains("\"note\":\"holiday\""), json);
    }

    @Test
    void flaskStreamsAResponseAndSendsAFile() throws Exception {
        String raw = RawHttp.exchange(hostel.port(),
                "GET /stream?n=3 HTTP/1.1\r\nHost: " + FLASK + "\r\nConnection: close\r\n\r\n", 120_000);
        assertEquals(200, RawHttp.status(raw), raw);
        assertTrue(raw.toLowerCase().contains("transfer-encoding: chunked"), "a generator is streamed: " + raw);
        HttpResponse<String> streamed = hostel.get(FLASK, "/stream?n=3");
        assertEquals("line 0\nline 1\nline 2\n", streamed.body());

        Path template = TestHostel.TEST_SITES.resolve("flaskapp/templates/index.html");
        HttpResponse<String> file = hostel.get(FLASK, "/file");
        assertEquals(200, file.statusCode(), file.body());
        assertEquals(Files.readString(template), file.body());
        assertEquals(String.valueOf(Files.size(template)), file.headers().firstValue("content-length").orElse(""));
    }

    // ---- Django ----

    @ParameterizedTest
    @CsvSource({ONE + ", Project One", TWO + ", Project Two"})
    void djangoFormWithCsrfPostsAndRedirectsWithAMessage(String host, String title) throws Exception {
        Browser browser = new Browser();
        HttpResponse<String> page = browser.get(host, "/");
        assertEquals(200, page.statusCode(), page.body());
        assertTrue(page.body().contains("<h1>" + title + "</h1>"), page.body());
        assertTrue(page.headers().allValues("set-cookie").stream().anyMatch(c -> c.startsWith("csrftoken=")),
                "Django's Set-Cookie (sent with a leading space) reaches the client: " + page.headers().map());
        Matcher token = CSRF_INPUT.matcher(page.body());
        assertTrue(token.find(), page.body());

        HttpResponse<String> forged = send(hostel.client, form(host, "/submit", "name=Mallory").build());
        assertEquals(403, forged.statusCode(), "a POST without the CSRF cookie and token is refused");

        HttpResponse<String> posted = browser.send(
                form(host, "/submit", "csrfmiddlewaretoken=" + token.group(1) + "&name=Ada"));
        assertEquals(302, posted.statusCode(), posted.body());
        assertEquals("/", posted.headers().firstValue("location").orElse(""));
        HttpResponse<String> after = browser.get(host, "/");
        assertTrue(after.body().contains("<p class=\"message\">Thanks, Ada!</p>"), after.body());
        HttpResponse<String> again = browser.get(host, "/");
        assertFalse(again.body().contains("Thanks, Ada!"), "a message is shown once");
    }

    @ParameterizedTest
    @CsvSource({ONE + ", Project One", TWO + ", Project Two"})
    void djangoAnswersJsonFromItsOwnSettings(String host, String title) throws Exception {
        HttpResponse<String> json = hostel.get(host, "/api");
        assertEquals(200, json.statusCode(), json.body());
        assertEquals("application/json", json.headers().firstValue("content-type").orElse(""));
        assertTrue(json.body().contains("\"title\": \"" + title + "\""), json.body());
        assertTrue(json.body().contains("\"settings_module\": \"mysite.settings\""), json.body());
    }

    @Test
    void djangoSessionsLiveInCookiesSignedWithEachProjectsKey() throws Exception {
        Browser browser = new Browser();
        assertTrue(browser.get(ONE, "/visits").body().contains("\"visits\": 1"));
        HttpResponse<String> second = browser.get(ONE, "/visits");
        assertTrue(second.body().contains("\"visits\": 2"), second.body());
        String session = second.headers().allValues("set-cookie").stream()
                .filter(c -> c.startsWith("sessionid=")).findFirst().orElseThrow();
        // The same cookie shown to the twin project: signed with another SECRET_KEY, so worthless there.
        HttpResponse<String> twin = send(hostel.client, hostel.request(TWO, "/visits")
                .header("Cookie", session.substring(0, session.indexOf(';'))).build());
        assertEquals(200, twin.statusCode(), twin.body());
        assertTrue(twin.body().contains("\"visits\": 1"), twin.body());
    }

    @ParameterizedTest
    @CsvSource({ONE + ", Project One", TWO + ", Project Two"})
    void djangoShowsItsOwn404And500Pages(String host, String title) throws Exception {
        HttpResponse<String> missing = hostel.get(host, "/no/such/page");
        assertEquals(404, missing.statusCode(), missing.body());
        assertTrue(missing.body().contains(title + " has no page at /no/such/page"), missing.body());

        HttpResponse<String> boom = hostel.get(host, "/boom");
        assertEquals(500, boom.statusCode(), boom.body());
        assertTrue(boom.body().contains(title + " is sorry: something broke"), boom.body());
        assertFalse(boom.body().contains("django-test-boom"), "no detail for the client");
        String site = host.equals(ONE) ? "djangoone" : "djangotwo";
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (!hostel.log(site).contains("django-test-boom") && System.nanoTime() < deadline) {
            Thread.sleep(100);
        }
        assertTrue(hostel.log(site).contains("ZeroDivisionError: django-test-boom"), "the traceback is logged");
    }

    @ParameterizedTest
    @CsvSource({ONE + ", navy", TWO + ", darkred"})
    void djangoStaticFilesAreServedFromEachSitesStaticKey(String host, String colour) throws Exception {
        HttpResponse<String> css = hostel.get(host, "/static/site.css");
        assertEquals(200, css.statusCode(), css.body());
        assertTrue(css.body().contains(colour), css.body());
        assertTrue(css.headers().firstValue("content-type").orElse("").startsWith("text/css"));
        assertTrue(css.headers().firstValue("etag").isPresent(), "served by the gateway from disk");
        HttpResponse<String> page = hostel.get(host, "/");
        assertTrue(page.body().contains("href=\"/static/site.css\""), page.body());
    }
}
