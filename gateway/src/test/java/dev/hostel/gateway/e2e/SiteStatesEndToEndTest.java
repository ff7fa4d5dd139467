package dev.hostel.gateway.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.hostel.gateway.cli.AdminClient;
import dev.hostel.gateway.releases.Precompiler;
import dev.hostel.gateway.supervisor.RunnerProcess;
import dev.hostel.gateway.supervisor.RunnerState;
import dev.hostel.gateway.supervisor.SiteSupervisor;
import dev.hostel.gateway.supervisor.SiteSupervisor.SiteState;
import dev.hostel.gateway.cli.CtlCommand;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/**
 * What state a site is in, and that what is configured and what runs never silently disagree, with real runner
 * JVMs: bounded parallel starts at Hostel start, a change that did not start shown as pending and retried, a
 * change of keys the runners never see applied without a restart, a broken site that answers at once and is
 * retried only on demand, and a site that does not fit the budget shown as refused.
 *
 * <p>One Hostel for all of them. Its site files are symbolic links to files outside {@code sites.d}, so that an
 * edit reaches Hostel only through the reload the test asks for, never through the directory watcher.
 */
class SiteStatesEndToEndTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final List<String> ALWAYS_ON = List.of("steady", "second", "third");
    private static TestHostel hostel;
    private static AdminClient admin;
    private static Path files;
    private static Path brokenRoot;
    /** The most runners seen starting at once while Hostel started. */
    private static int mostStartingAtOnce;

    @BeforeAll
    static void start() throws Exception {
        files = Files.createTempDirectory(Path.of("/tmp"), "hostel-states-");
        TestHostel.passable(files);
        brokenRoot = Files.createDirectories(files.resolve("brokenapp"));
        Files.writeString(brokenRoot.resolve("app.py"), "def application(environ, start_response:\n    pass\n");
        hostel = TestHostel.start("budget = \"800M\"", dir -> {
            for (String name : ALWAYS_ON) {
                TestHostel.hello(files, name, "memory = \"96M\"");
                Files.createSymbolicLink(dir.resolve(name + ".toml"), files.resolve(name + ".toml"));
            }
            TestHostel.site(files, "broken", "broken.test", "app:application", brokenRoot,
                    "memory = \"96M\"\nidle_timeout = \"10m\"");
            Files.createSymbolicLink(dir.resolve("broken.toml"), files.resolve("broken.toml"));
            TestHostel.hello(dir, "big", "memory = \"1G\"");
        });
        admin = new AdminClient(hostel.dir.resolve("run/hostel.sock"));
        // Hostel.start returned with the always-on sites starting: watch how many runners start at once.
        long deadline = System.nanoTime() + Duration.ofSeconds(120).toNanos();
        while (System.nanoTime() < deadline && !ALWAYS_ON.stream().allMatch(SiteStatesEndToEndTest::ready)) {
            int starting = 0;
            for (String name : ALWAYS_ON) {
                starting += (int) supervisor(name).runners().stream()
                        .filter(r -> r.state() == RunnerState.STARTING).count();
            }
            mostStartingAtOnce = Math.max(mostStartingAtOnce, starting);
            Thread.sleep(10);
        }
    }

    @AfterAll
    static void stop() throws IOException {
        hostel.stop();
        try (var walk = Files.walk(files)) {
            walk.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        }
    }

    @Test
    void atStartNoMoreRunnersStartAtOnceThanThereAreCores() throws Exception {
        for (String name : ALWAYS_ON) {
            Await.ok(hostel, name + ".test", "/");
        }
        int cores = Runtime.getRuntime().availableProcessors();
        assertTrue(mostStartingAtOnce <= cores, mostStartingAtOnce + " runners started at once on " + cores + " cores");
        assertTrue(mostStartingAtOnce >= 1, "no start was seen");
    }

    @Test
    void aChangeThatDidNotStartIsShownRetriedAtTheNextReloadAndClearedWhenTheFileAgrees() throws Exception {
        Await.ok(hostel, "steady.test", "/");
        long pid = onlyRunner("steady").pid();
        String good = Files.readString(files.resolve("steady.toml"));
        // A project that takes longer to import than its start_timeout allows. Its module compiled ahead, as Hostel
        // compiles a site's root before the first start after a change (a JVM of its own, seconds on a busy machine,
        // counted in the start_timeout): what times out here is the app's own import, at every try.
        new Precompiler(TestHostel.HOME.resolve("site-runner/target/lib")).compile(TestHostel.TEST_SITES.resolve("slow"));
        TestHostel.site(files, "steady", "steady.test", "slow:application", TestHostel.TEST_SITES.resolve("slow"),
                "memory = \"96M\"\nstart_timeout = \"2s\"");
        long startsBefore = starts("steady");

        JsonNode report = reload();
        List<String> errors = errorsOf(report, "steady");
        assertEquals(1, errors.size(), report.toString());
        assertTrue(errors.get(0).contains("did not become ready within 2 s (its start_timeout)"), errors.get(0));

        JsonNode site = site("steady");
        assertEquals("running", site.path("state").asText(), "the previous version keeps serving");
        assertTrue(site.path("pending").path("reason").asText().contains("within 2 s"), site.toString());
        assertTrue(site.path("pending").path("config").asText().contains("slow:application"), site.toString());
        assertEquals("Hello, world!", hostel.get("steady.test", "/").body());
        assertEquals(pid, onlyRunner("steady").pid());
        String table = ctl("sites");
        assertTrue(table.contains("steady: its file is not what runs: ") && table.contains("within 2 s"), table);

        assertEquals(1, errorsOf(reload(), "steady").size(), "the next reload tries the change again");
        assertTrue(starts("steady") >= startsBefore + 2, "the change was not tried again");

        Files.writeString(files.resolve("steady.toml"), good);
        JsonNode back = reload();
        assertEquals(List.of(), errorsOf(back, "steady"), back.toString());
        assertTrue(site("steady").path("pending").isNull(), "the file agrees with what runs again");
        assertEquals(pid, onlyRunner("steady").pid());
    }

    @Test
    void keysTheRunnersNeverSeeChangeWithoutARestart() throws Exception {
        Await.ok(hostel, "second.test", "/");
        long pid = onlyRunner("second").pid();
        long startsBefore = starts("second");
        Path staticDir = Files.createDirectories(files.resolve("second-static"));
        Files.writeString(staticDir.resolve("note.txt"), "from disk\n");
        Files.writeString(files.resolve("second.toml"), """
                hosts = ["second.test", "also-second.test"]
                app = "hello:application"
                root = "%s"
                memory = "96M"
                static = { "/files/" = "%s" }
                max_body = "1K"
                request_timeout = "20s"
                start_timeout = "1m"
                """.formatted(TestHostel.HOME.resolve("sites/hello"), staticDir));

        JsonNode report = reload();
        assertEquals(List.of(), errorsOf(report, "second"), report.toString());
        assertEquals("second", report.path("changed_in_place").get(0).asText(), report.toString());
        assertTrue(report.path("summary").asText().contains(" changed (1 in place)"), report.toString());

        assertEquals("Hello, world!", hostel.get("also-second.test", "/").body(), "the new host is routed");
        HttpResponse<String> file = hostel.get("second.test", "/files/note.txt");
        assertEquals("from disk\n", file.body(), "the new static alias is served");
        assertEquals(pid, onlyRunner("second").pid(), "the runner was kept");
        assertEquals(startsBefore, starts("second"), "no runner was started");
        assertEquals(Duration.ofMinutes(1), supervisor("second").site().startTimeout());
    }

    @Test
    void aBrokenSiteAnswersAtOnceAndIsRetriedOnlyOnDemandWithoutTakingTheSpare() throws Exception {
        HttpResponse<String> first = hostel.get("broken.test", "/");
        assertEquals(502, first.statusCode(), first.body());
        SiteSupervisor broken = supervisor("broken");
        assertEquals(SiteState.BROKEN, broken.state());
        assertTrue(broken.problem().startsWith("SyntaxError"), broken.problem());

        // While it backs off: at once, with the reason and when to come back, and no traceback.
        HttpResponse<String> again = hostel.get("broken.test", "/");
        if (!broken.retryIn().isZero()) {
            assertEquals(502, again.statusCode());
            assertTrue(again.body().contains("site broken failed to start (SyntaxError)"), again.body());
            assertFalse(again.body().contains("Traceback") || again.body().contains("app.py")
                    || again.body().contains("mismatched"), again.body());
            assertTrue(Integer.parseInt(again.headers().firstValue("retry-after").orElse("0")) >= 1);
        }
        JsonNode site = site("broken");
        assertEquals("broken", site.path("state").asText());
        assertTrue(site.path("problem").asText().startsWith("SyntaxError"), site.toString());
        String log = hostel.log("broken");
        assertTrue(log.contains("cannot load the WSGI application 'app:application'") && log.contains("SyntaxError"),
                "the details are in the site's log: " + log);
        assertTrue(ctl("sites").contains("broken: broken: SyntaxError"), ctl("sites"));

        // Nobody asks: once its back-off is over, it is still not retried.
        long starts = starts("broken");
        Await.until(() -> broken.retryIn().isZero(), Duration.ofSeconds(60), "the back-off never ended");
        assertEquals(SiteState.BROKEN, broken.state());
        assertEquals(starts, starts("broken"), "a broken site was retried with nobody asking");

        // A retry on demand launches a JVM of its own: the spare waiting for sites of this ceiling stays.
        Await.until(() -> hostel.hostel.supervisor().spares().readyPids().size() == 1, Duration.ofSeconds(120),
                "no spare runner became ready");
        long spare = hostel.hostel.supervisor().spares().readyPids().get(0);
        assertEquals(502, hostel.get("broken.test", "/").statusCode());
        assertEquals(starts + 1, starts("broken"), "the request after the back-off tried again");
        assertEquals(List.of(spare), hostel.hostel.supervisor().spares().readyPids(), "the retry took the spare");

        // Fixed on disk: the next request after the back-off starts it.
        Files.writeString(brokenRoot.resolve("app.py"), """
                def application(environ, start_response):
                    start_response("200 OK", [("Content-Type", "text/plain")])
                    return ["fixed\\n"]
                """);
        Await.until(() -> broken.retryIn().isZero(), Duration.ofSeconds(60), "the back-off never ended");
        HttpResponse<String> fixed = hostel.get("broken.test", "/");
        assertEquals(200, fixed.statusCode(), fixed.body());
        assertEquals("fixed\n", fixed.body());
        assertEquals("running", site("broken").path("state").asText());
    }

    @Test
    void aSiteThatDoesNotFitTheBudgetIsShownRefusedAndAnswers503AtOnce() throws Exception {
        JsonNode site = site("big");
        assertEquals("refused", site.path("state").asText(), site.toString());
        assertEquals("site big does not fit the budget: its ceiling is 1024 MB, the budget holds 672 MB for"
                + " runners (800 MB less 128 MB for the gateway)", site.path("problem").asText());

        HttpResponse<String> response = hostel.get("big.test", "/");
        assertEquals(503, response.statusCode());
        assertTrue(response.body().contains("site big cannot start: it does not fit the memory budget"),
                response.body());
        assertTrue(response.headers().firstValue("retry-after").isPresent());

        JsonNode report = reload();
        List<String> errors = errorsOf(report, "big");
        assertEquals(1, errors.size(), "each reload tries it again, and says why it is refused: " + report);
        assertTrue(errors.get(0).contains("big.toml: memory: site big does not fit the budget"), errors.get(0));
        assertFalse(errors.get(0).contains(":0:"), errors.get(0));
        assertTrue(ctl("sites").contains("big: refused: site big does not fit the budget"), ctl("sites"));
    }

    /** The reload's errors about site {@code name}'s file (other sites of this Hostel may have their own). */
    private static List<String> errorsOf(JsonNode report, String name) {
        List<String> errors = new java.util.ArrayList<>();
        for (JsonNode e : report.path("errors")) {
            if (e.path("file").asText().endsWith("/" + name + ".toml")) {
                errors.add(e.path("error").asText());
            }
        }
        return errors;
    }

    private static boolean ready(String name) {
        return supervisor(name).runners().stream().anyMatch(r -> r.state() == RunnerState.READY);
    }

    private static SiteSupervisor supervisor(String name) {
        return hostel.hostel.sites().get(name).supervisor();
    }

    private static RunnerProcess onlyRunner(String name) {
        List<RunnerProcess> runners = supervisor(name).runners();
        assertEquals(1, runners.size(), name + ": " + runners);
        return runners.get(0);
    }

    private static long starts(String name) {
        return hostel.hostel.supervisor().events().get(name, "start", "start");
    }

    private static synchronized JsonNode reload() throws IOException {
        AdminClient.Response r = admin.send("POST", "/reload", null, "");
        assertEquals(200, r.status(), r.body());
        return JSON.readTree(r.body());
    }

    private static JsonNode site(String name) throws IOException {
        AdminClient.Response r = admin.get("/sites/" + name);
        assertEquals(200, r.status(), r.body());
        return JSON.readTree(r.body());
    }

    /** {@code hostel ctl ARGS} against this Hostel, its output as a user reads it. */
    private static String ctl(String command) {
        StringWriter out = new StringWriter();
        new CommandLine(new CtlCommand()).setOut(new PrintWriter(out)).setErr(new PrintWriter(out))
                .execute("--socket", hostel.dir.resolve("run/hostel.sock").toString(), command);
        return out.toString();
    }
}
