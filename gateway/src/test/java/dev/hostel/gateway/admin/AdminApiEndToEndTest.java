package dev.hostel.gateway.admin;

import static dev.hostel.gateway.admin.AdminTests.awaitSite;
import static dev.hostel.gateway.admin.AdminTests.json;
import static dev.hostel.gateway.admin.AdminTests.running;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.hostel.gateway.Hostel;
import dev.hostel.gateway.cli.AdminClient;
import dev.hostel.gateway.cli.CtlCommand;
import dev.hostel.gateway.config.ConfigLoader;
import dev.hostel.gateway.e2e.Await;
import dev.hostel.gateway.e2e.TestHostel;
import dev.hostel.gateway.metrics.PrometheusText;
import picocli.CommandLine;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The admin API over the real Unix socket, against a real Hostel with real runner JVMs: one Hostel for the whole
 * class (the always-on {@code hello} site), and as few other sites as the tests can do with, since every runner
 * costs a second or two of CPU.
 */
class AdminApiEndToEndTest {
    private static final Duration RUNNER_START = Await.RUNNER_START;
    private static TestHostel hostel;
    private static AdminClient admin;
    private static Path socket;
    private static Path sitesDir;
    private static int metricsPort;

    @BeforeAll
    static void start() throws Exception {
        metricsPort = AdminTests.freePort();
        hostel = TestHostel.start("""
                budget = "1280M"
                metrics_listen = "127.0.0.1:%d"
                """.formatted(metricsPort), dir -> TestHostel.hello(dir, "hello", "memory = \"192M\""));
        socket = hostel.hostel.config().adminSocket();
        sitesDir = hostel.hostel.config().sitesDir();
        admin = new AdminClient(socket);
    }

    /** For the tests that need a request served: the runner of hello is up. */
    private static void helloServes() throws Exception {
        awaitSite(admin, "hello", running(), RUNNER_START);
    }

    @AfterAll
    static void stop() {
        if (hostel != null) {
            hostel.stop();
        }
    }

    private static String greet(String... hosts) {
        return """
                # added over the admin socket
                hosts = [%s]
                app = "hello:application"
                root = "sites/hello"
                memory = "192M"
                """.formatted(String.join(", ", java.util.Arrays.stream(hosts).map(h -> "\"" + h + "\"").toList()));
    }

    @Test
    void aSiteIsAddedReplacedReloadedAndRemoved() throws Exception {
        AdminClient.Response added = admin.send("PUT", "/sites/greet", "application/toml", greet("greet.test"));
        assertEquals(201, added.status(), added.body());
        assertEquals("greet", json(added).path("name").asText());
        JsonNode runners = json(admin.get("/sites/greet")).path("runner_processes");
        assertEquals("ready", runners.path(0).path("state").asText(), "the 201 came before the site served: " + runners);
        HttpResponse<String> first = get("greet.test", "/");
        assertEquals(200, first.statusCode(), first.body());
        Path file = sitesDir.resolve("greet.toml");
        assertEquals(greet("greet.test"), Files.readString(file), "the file is the body as sent");

        AdminClient.Response replaced = admin.send("PUT", "/sites/greet", "application/json", """
                {"hosts": ["greet.test", "greet2.test"], "app": "hello:application", "root": "sites/hello",
                 "memory": "192M"}
                """);
        assertEquals(200, replaced.status(), replaced.body());
        assertEquals(200, get("greet2.test", "/").statusCode());
        assertTrue(Files.readString(file).contains("greet2.test"), Files.readString(file));
        assertFalse(Files.list(sitesDir).anyMatch(p -> p.getFileName().toString().endsWith(".tmp")));

        AdminClient.Response reloaded = admin.send("POST", "/sites/greet/reload", null, "");
        assertEquals(200, reloaded.status(), reloaded.body());
        assertEquals(200, get("greet.test", "/").statusCode());

        AdminClient.Response removed = admin.send("DELETE", "/sites/greet", null, null);
        assertEquals(200, removed.status(), removed.body());
        assertEquals(404, get("greet.test", "/").statusCode());
        assertFalse(Files.exists(file), "the file is still there");
        assertEquals(404, admin.get("/sites/greet").status());
        assertEquals(404, admin.send("DELETE", "/sites/greet", null, null).status());
    }

    @Test
    void badTomlIs400NamingTheLineAndWritesNothing() throws Exception {
        AdminClient.Response r = admin.send("PUT", "/sites/bad", "application/toml", """
                hosts = ["bad.test"]
                app = "hello:application"
                memory = "12X"
                root = "sites/hello"
                """);
        assertEquals(400, r.status(), r.body());
        JsonNode error = json(r);
        assertEquals(3, error.path("line").asInt(), r.body());
        assertEquals("memory", error.path("field").asText(), r.body());
        assertTrue(error.path("error").asText().contains("12X"), r.body());
        assertFalse(Files.exists(sitesDir.resolve("bad.toml")));

        AdminClient.Response syntax = admin.send("PUT", "/sites/bad", "application/toml", "hosts = [\"a.test\"\napp = 1\n");
        assertEquals(400, syntax.status(), syntax.body());
        assertTrue(json(syntax).path("line").asInt() > 0, syntax.body());
    }

    @Test
    void aHostAnotherSiteOwnsIs409() throws Exception {
        helloServes();
        AdminClient.Response r = admin.send("PUT", "/sites/thief", "application/toml", greet("hello.test"));
        assertEquals(409, r.status(), r.body());
        assertEquals("hosts", json(r).path("field").asText());
        assertTrue(json(r).path("error").asText().contains("hello"), r.body());
        assertEquals(200, get("hello.test", "/").statusCode(), "the other site was disturbed");
    }

    @Test
    void aSiteBiggerThanTheBudgetIs507() throws Exception {
        AdminClient.Response r = admin.send("PUT", "/sites/huge", "application/toml", """
                hosts = ["huge.test"]
                app = "hello:application"
                root = "sites/hello"
                memory = "2G"
                """);
        assertEquals(507, r.status(), r.body());
        assertEquals("memory", json(r).path("field").asText());
        assertFalse(Files.exists(sitesDir.resolve("huge.toml")));
    }

    @Test
    void wrongMethodsAndPathsGet405And404() throws Exception {
        assertEquals(405, admin.send("POST", "/status", null, "").status());
        assertEquals(405, admin.send("PATCH", "/sites/hello", null, "").status());
        assertEquals(404, admin.get("/nothing").status());
        assertEquals(404, admin.get("/sites/nobody").status());
        assertEquals(400, admin.send("PUT", "/sites/Bad..Name", "application/toml", greet("x.test")).status());
    }

    @Test
    void theSocketIsTheOwnersOnly() throws Exception {
        assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(socket)));
        // As root, each site's user passes through (not lists) the folder to reach its own runners' folder.
        assertEquals(hostel.hostel.supervisor().launcher().users().switching() ? "rwx--x--x" : "rwx------",
                PosixFilePermissions.toString(Files.getPosixFilePermissions(socket.getParent())));
    }

    @Test
    void aSecondHostelOnTheSameSocketRefusesToStart() throws Exception {
        Hostel second = new Hostel(ConfigLoader.loadHostel(hostel.hostel.config().confDir()), TestHostel.HOME);
        IllegalStateException e = assertThrows(IllegalStateException.class, second::start);
        assertTrue(e.getMessage().contains("another Hostel is running on " + socket), e.getMessage());
        second.stop(Duration.ZERO);
        assertEquals(200, admin.get("/status").status(), "the first Hostel lost its socket");
    }

    @Test
    void statusAndSitesDescribeTheInstance() throws Exception {
        helloServes();
        JsonNode status = json(admin.get("/status"));
        assertEquals(hostel.port(), Integer.parseInt(status.path("listeners").get(0).asText().split(":")[1]));
        assertTrue(status.path("budget").path("total_bytes").asLong() > 0);
        JsonNode hello = null;
        for (JsonNode site : json(admin.get("/sites"))) {
            if (site.path("name").asText().equals("hello")) {
                hello = site;
            }
        }
        assertTrue(hello != null && hello.path("runners").asInt() == 1, String.valueOf(hello));
        JsonNode detail = json(admin.get("/sites/hello"));
        assertTrue(detail.path("runner_processes").get(0).path("pid").asLong() > 0, detail.toString());
        assertTrue(detail.path("runner_processes").get(0).path("memory_working_set_bytes").asLong() > 0, detail.toString());
    }

    @Test
    void aFileDroppedIntoSitesDirIsServedAndItsRemovalStopsIt() throws Exception {
        TestHostel.hello(sitesDir, "dropped", "memory = \"192M\"");
        awaitSite(admin, "dropped", running(), RUNNER_START);
        assertEquals(200, get("dropped.test", "/").statusCode());

        Files.delete(sitesDir.resolve("dropped.toml"));
        awaitSite(admin, "dropped", r -> r.status() == 404, Duration.ofSeconds(60));
        assertEquals(404, get("dropped.test", "/").statusCode());
    }

    @Test
    void aBrokenFileIsReportedWithItsLineAndItsSiteKeepsRunning() throws Exception {
        helloServes();
        Path file = sitesDir.resolve("hello.toml");
        String good = Files.readString(file);
        try {
            Files.writeString(file, good + "memory = \"oops\"\n");
            AdminClient.Response r = admin.send("POST", "/reload", null, "");
            assertEquals(200, r.status(), r.body());
            JsonNode error = json(r).path("errors").get(0);
            assertTrue(error.path("error").asText().contains("hello.toml:"), r.body());
            assertTrue(error.path("line").asInt() > 0, r.body());
            assertEquals(200, get("hello.test", "/").statusCode());
        } finally {
            Files.writeString(file, good);
        }
        JsonNode clean = json(admin.send("POST", "/reload", null, ""));
        assertEquals(0, clean.path("errors").size(), clean.toString());
        assertEquals(0, clean.path("changed").size(), "an unchanged site was restarted: " + clean);
    }

    @Test
    void metricsParseAsPrometheusTextAndCountTheRequests() throws Exception {
        helloServes();
        String series = "hostel_requests_total{site=\"hello\",status=\"2xx\"}";
        double before = valueOr0(PrometheusText.value(admin.get("/metrics").body(), series));
        for (int i = 0; i < 3; i++) {
            assertEquals(200, get("hello.test", "/").statusCode());
        }
        // The count is made once the response is written, a moment after the client has it.
        String[] scraped = {""};
        Await.until(() -> valueOr0(PrometheusText.value(scraped[0] = admin.get("/metrics").body(), series)) >= before + 3,
                Duration.ofSeconds(60), () -> "the requests were not counted: " + scraped[0]);
        String text = scraped[0];
        assertEquals(before + 3, PrometheusText.value(text, series), 0.0, text);
        assertEquals(java.util.List.of(), PrometheusText.problems(text));
        for (String name : new String[] {"hostel_request_duration_seconds_bucket", "hostel_runner_memory_working_set_bytes",
            "hostel_site_memory_ceiling_bytes", "hostel_budget_bytes", "hostel_budget_used_bytes",
            "hostel_connections", "hostel_site_in_flight", "hostel_site_queued_requests",
            "hostel_runner_startup_seconds", "hostel_runner_starts_total", "jvm_memory_used_bytes"}) {
            assertTrue(text.contains("\n" + name), name + " is missing");
        }
        assertTrue(Files.readString(hostel.dir.resolve("logs/hello.access.log")).contains("\"GET / HTTP/1.1\" 200"));
    }

    @Test
    void metricsAndOnlyMetricsAreServedOverTcp() throws Exception {
        HttpClient http = HttpClient.newHttpClient();
        URI base = URI.create("http://127.0.0.1:" + metricsPort);
        HttpResponse<String> metrics = http.send(HttpRequest.newBuilder(base.resolve("/metrics")).build(),
                HttpResponse.BodyHandlers.ofString());
        assertEquals(200, metrics.statusCode());
        assertTrue(metrics.body().contains("hostel_budget_bytes"));
        for (String path : new String[] {"/status", "/sites", "/reload"}) {
            HttpResponse<String> other = http.send(HttpRequest.newBuilder(base.resolve(path)).build(),
                    HttpResponse.BodyHandlers.ofString());
            assertEquals(404, other.statusCode(), path);
        }
    }

    @Test
    void ctlExitCodesTablesAndJson() throws Exception {
        helloServes();
        Ctl missing = ctl("--socket", hostel.dir.resolve("nothing.sock").toString(), "sites");
        assertEquals(3, missing.code);
        assertTrue(missing.err.contains("cannot connect to " + hostel.dir.resolve("nothing.sock") + ": is Hostel running?"),
                missing.err);

        Ctl sites = ctl("--socket", socket.toString(), "sites");
        assertEquals(0, sites.code, sites.err);
        assertTrue(sites.out.startsWith("NAME "), sites.out);
        assertTrue(sites.out.lines().anyMatch(l -> l.startsWith("hello ") && l.contains("running")), sites.out);

        Ctl json = ctl("--socket", socket.toString(), "sites", "--json");
        assertEquals(0, json.code, json.err);
        assertTrue(AdminTests.JSON.readTree(json.out).isArray(), json.out);

        assertEquals(0, ctl("--socket", socket.toString(), "status").code);
        Ctl show = ctl("--socket", socket.toString(), "show", "hello");
        assertEquals(0, show.code, show.err);
        assertTrue(show.out.contains("hello.test"), show.out);
        assertEquals(1, ctl("--socket", socket.toString(), "show", "nobody").code);

        Path thief = hostel.dir.resolve("thief.toml");
        Files.writeString(thief, greet("hello.test"));
        Ctl refused = ctl("--socket", socket.toString(), "add", thief.toString());
        assertEquals(1, refused.code);
        assertTrue(refused.err.contains("already a host of site \"hello\""), refused.err);

        Ctl top = ctl("--socket", socket.toString(), "top", "--once");
        assertEquals(0, top.code, top.err);
        assertTrue(top.out.contains("REQ/S") && top.out.contains("hello"), top.out);

        assertEquals(2, ctl("--socket", socket.toString(), "frobnicate").code);
    }

    private record Ctl(int code, String out, String err) {
    }

    private static Ctl ctl(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int code = new CommandLine(new CtlCommand()).setOut(new PrintWriter(out)).setErr(new PrintWriter(err))
                .execute(args);
        return new Ctl(code, out.toString(), err.toString());
    }

    private static HttpResponse<String> get(String host, String path) throws Exception {
        return AdminTests.get(hostel.port(), host, path);
    }

    private static double valueOr0(double v) {
        return Double.isNaN(v) ? 0 : v;
    }
}
