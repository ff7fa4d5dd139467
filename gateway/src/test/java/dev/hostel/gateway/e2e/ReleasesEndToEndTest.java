package dev.hostel.gateway.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.hostel.gateway.cli.AdminClient;
import dev.hostel.gateway.cli.CtlCommand;
import picocli.CommandLine;

import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveOutputStream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * A site whose code comes by release, deployed as its users would: {@code hostel ctl deploy} from a folder and
 * from a tar on standard input (a real {@code hostel} process, as {@code git archive HEAD | hostel ctl deploy}),
 * a release under load, a release that does not start, listing and rollback, and hostile archives. One Hostel and
 * one site for the class; the tests run in order because each release builds on the last.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class ReleasesEndToEndTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static Path work;
    private static TestHostel hostel;
    private static AdminClient admin;

    @BeforeAll
    static void start() throws Exception {
        work = Files.createTempDirectory(Path.of("/tmp"), "hostel-rel-");
        TestHostel.passable(work);
        hostel = TestHostel.start("budget = \"1G\"", dir -> {
            Files.writeString(dir.resolve("rel.toml"), """
                    hosts = ["rel.test"]
                    app = "app:application"
                    memory = "96M"
                    keep_releases = 3
                    disk = "2M"
                    static = { "/static/" = "static" }
                    """);
            Files.writeString(dir.resolve("one.toml"), """
                    hosts = ["one.test"]
                    app = "app:application"
                    memory = "96M"
                    keep_releases = 1
                    request_timeout = "300s"
                    """);
        }, work);
        admin = new AdminClient(hostel.hostel.config().adminSocket());
    }

    @AfterAll
    static void stop() throws IOException {
        if (hostel != null) {
            hostel.stop();
        }
        try (var files = Files.walk(work)) {
            files.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        }
    }

    /** A release's code: an app that answers {@code text}, and a static file. */
    private static Path code(String text) throws IOException {
        Path dir = Files.createDirectories(work.resolve("src-" + text.hashCode()));
        Files.writeString(dir.resolve("app.py"), """
                def application(environ, start_response):
                    body = %s
                    start_response("200 OK", [("Content-Type", "text/plain"), ("Content-Length", str(len(body)))])
                    return [body]
                """.formatted("\"" + text + "\""));
        Files.createDirectories(dir.resolve("static"));
        Files.writeString(dir.resolve("static/v.txt"), text);
        return dir;
    }

    private static String body() throws Exception {
        HttpResponse<String> r = hostel.get("rel.test", "/");
        return r.statusCode() + " " + r.body();
    }

    private static int ctl(String... args) {
        StringWriter out = new StringWriter();
        CommandLine cli = new CommandLine(new CtlCommand());
        cli.setOut(new PrintWriter(out));
        cli.setErr(new PrintWriter(out));
        String[] all = new String[args.length + 2];
        all[0] = "--socket";
        all[1] = hostel.hostel.config().adminSocket().toString();
        System.arraycopy(args, 0, all, 2, args.length);
        int status = cli.execute(all);
        lastOutput = out.toString();
        return status;
    }

    private static String lastOutput = "";

    @Test
    @Order(1)
    void beforeItsFirstReleaseTheSiteAnswers503() throws Exception {
        HttpResponse<String> r = hostel.get("rel.test", "/");
        assertEquals(503, r.statusCode(), r.body());
        assertEquals(0, ctl("releases", "rel"), lastOutput);
    }

    @Test
    @Order(2)
    void aFolderIsDeployedAndServes() throws Exception {
        assertEquals(0, ctl("deploy", "rel", code("one").toString()), lastOutput);
        assertTrue(lastOutput.contains("release 1 serves"), lastOutput);
        assertEquals("200 one", body());
        assertEquals("one", hostel.get("rel.test", "/static/v.txt").body(), "static files of the current release");
        try (var compiled = Files.walk(work.resolve("releases/rel/1"))) {
            assertTrue(compiled.anyMatch(p -> p.getFileName().toString().equals("app$py.class")),
                    "the release was compiled by the time the deploy answered");
        }
    }

    @Test
    @Order(3)
    void aTarOnStandardInputIsDeployedByTheRealCommand() throws Exception {
        Path tar = work.resolve("two.tar");
        Process pack = new ProcessBuilder("tar", "-cf", tar.toString(), "-C", code("two").toString(), ".")
                .inheritIO().start();
        assertEquals(0, pack.waitFor());
        Process deploy = new ProcessBuilder(List.of("sh", "-c", "\"$@\" < '" + tar + "'", "sh",
                Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-cp",
                System.getProperty("java.class.path"), "dev.hostel.gateway.Main", "ctl", "--socket",
                hostel.hostel.config().adminSocket().toString(), "deploy", "rel", "-"))
                .redirectErrorStream(true).start();
        String out = new String(deploy.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(deploy.waitFor(300, TimeUnit.SECONDS));
        assertEquals(0, deploy.exitValue(), out);
        assertTrue(out.contains("release 2 serves (was 1)"), out);
        assertEquals("200 two", body());
    }

    @Test
    @Order(4)
    void aReleaseUnderLoadFailsNoRequest() throws Exception {
        try (LoadLoop load = new LoadLoop(hostel, "rel.test", "/", 4, Duration.ofMinutes(5))) {
            awaitRequests(load, 20);
            assertEquals(0, ctl("deploy", "rel", code("three").toString()), lastOutput);
            long before = load.total();
            awaitRequests(load, before + 20);
            load.close();
            assertEquals("", load.notOk(200), "requests failed during the switch");
        }
        assertEquals("200 three", body());
    }

    @Test
    @Order(5)
    void aReleaseThatDoesNotStartIsReportedWithItsTracebackAndChangesNothing() throws Exception {
        Path broken = code("four");
        Files.writeString(broken.resolve("app.py"), "import no_such_module_here\n");
        assertEquals(1, ctl("deploy", "rel", broken.toString()), lastOutput);
        assertTrue(lastOutput.contains("did not start"), lastOutput);
        assertTrue(lastOutput.contains("no_such_module_here"), "the traceback: " + lastOutput);
        assertEquals("200 three", body());
        JsonNode releases = JSON.readTree(admin.get("/sites/rel/releases").body());
        assertEquals("3", releases.path("current").asText(), releases.toString());
        assertFalse(Files.exists(work.resolve("releases/rel/4")), "the failed release is not kept");
    }

    @Test
    @Order(6)
    void releasesAreListedAndRolledBack() throws Exception {
        assertEquals(0, ctl("releases", "rel"), lastOutput);
        assertTrue(lastOutput.contains("*"), lastOutput);
        assertEquals(0, ctl("--json", "releases", "rel"), lastOutput);
        JsonNode listed = JSON.readTree(lastOutput);
        assertEquals(List.of("1", "2", "3"), ids(listed), "keep_releases = 3 keeps three");

        assertEquals(0, ctl("rollback", "rel"), lastOutput);
        assertEquals("200 two", body());
        assertEquals(0, ctl("rollback", "rel", "1"), lastOutput);
        assertEquals("200 one", body());
        assertEquals(1, ctl("rollback", "rel", "9"), lastOutput);
        assertTrue(lastOutput.contains("no release 9"), lastOutput);
    }

    @Test
    @Order(7)
    void hostileArchivesAreRefusedNamingTheEntryAndWriteNothingOutside() throws Exception {
        String serving = body();
        Path outside = work.resolve("escaped");
        assertRefused(400, "../escaped", tar -> file(tar, "../escaped", "x"));
        assertRefused(400, "absolute", tar -> file(tar, outside.toString(), "x"));
        assertRefused(400, "leads out", tar -> link(tar, "etc", "/etc"));
        assertRefused(400, "leads out", tar -> link(tar, "up", "../../.."));
        assertRefused(400, "device file", tar -> {
            TarArchiveEntry dev = new TarArchiveEntry("null", TarArchiveEntry.LF_CHR);
            dev.setDevMajor(1);
            dev.setDevMinor(3);
            put(tar, dev, new byte[0]);
        });
        assertRefused(507, "disk quota", tar -> file(tar, "big.bin", "x".repeat(3 << 20)));
        assertRefused(400, "not a readable tar", null);
        assertFalse(Files.exists(outside));
        assertEquals(serving, body(), "the current release still serves");
        try (var entries = Files.list(work.resolve("releases/rel"))) {
            assertTrue(entries.noneMatch(p -> p.getFileName().toString().startsWith(".incoming")));
        }
    }

    @Test
    @Order(8)
    void keepReleases1KeepsThePreviousReleaseUntilItsRunnersHaveDrained() throws Exception {
        // An app whose /wait answers once the test lets it, so that its request is in flight across the deploy.
        Path go = work.resolve("go");
        Path first = Files.createDirectories(work.resolve("one-1"));
        Files.writeString(first.resolve("app.py"), """
                import os, time
                def application(environ, start_response):
                    if environ["PATH_INFO"] == "/wait":
                        while not os.path.exists(%s):
                            time.sleep(0.05)
                    start_response("200 OK", [("Content-Type", "text/plain")])
                    return ["first"]
                """.formatted("\"" + go + "\""));
        assertEquals(0, ctl("deploy", "one", first.toString()), lastOutput);
        CompletableFuture<HttpResponse<String>> waiting = hostel.client.sendAsync(
                hostel.request("one.test", "/wait").build(), HttpResponse.BodyHandlers.ofString());
        Await.until(() -> hostel.hostel.sites().get("one").supervisor().inFlight() == 1, Await.RUNNER_START,
                "the request never reached the runner");

        assertEquals(0, ctl("deploy", "one", code("second").toString()), lastOutput);

        Path previous = work.resolve("releases/one/1");
        assertFalse(waiting.isDone(), "the request in flight ended before the check: " + waiting);
        assertTrue(Files.isDirectory(previous), "release 1 was pruned while its runner still served a request");
        Files.writeString(go, "");
        assertEquals("first", waiting.get(2, TimeUnit.MINUTES).body());
        Await.until(() -> !Files.exists(previous), Await.RUNNER_START,
                "release 1 was kept after its runner drained (keep_releases = 1)");
        assertEquals("second", hostel.get("one.test", "/").body());
    }

    private static void assertRefused(int status, String says, TarWriter writer) throws Exception {
        AdminClient.Response r = admin.stream("POST", "/sites/rel/releases", "application/x-tar", out -> {
            if (writer == null) {
                out.write("this is no tar archive, just text that is long enough to be read as one".repeat(20)
                        .getBytes(StandardCharsets.UTF_8));
                return;
            }
            TarArchiveOutputStream tar = new TarArchiveOutputStream(nonClosing(out));
            file(tar, "app.py", "ok = 1\n");
            writer.write(tar);
            tar.finish();
        });
        assertEquals(status, r.status(), r.body());
        assertTrue(r.body().contains(says), r.body());
    }

    @FunctionalInterface
    private interface TarWriter {
        void write(TarArchiveOutputStream tar) throws IOException;
    }

    private static void file(TarArchiveOutputStream tar, String name, String content) throws IOException {
        TarArchiveEntry entry = new TarArchiveEntry(name, true);
        byte[] bytes = content.getBytes(StandardCharsets.UTF_8);
        entry.setSize(bytes.length);
        put(tar, entry, bytes);
    }

    private static void link(TarArchiveOutputStream tar, String name, String target) throws IOException {
        TarArchiveEntry entry = new TarArchiveEntry(name, TarArchiveEntry.LF_SYMLINK, true);
        entry.setLinkName(target);
        put(tar, entry, new byte[0]);
    }

    private static void put(TarArchiveOutputStream tar, TarArchiveEntry entry, byte[] bytes) throws IOException {
        tar.putArchiveEntry(entry);
        tar.write(bytes);
        tar.closeArchiveEntry();
    }

    private static OutputStream nonClosing(OutputStream out) {
        return new java.io.FilterOutputStream(out) {
            @Override
            public void write(byte[] b, int off, int len) throws IOException {
                out.write(b, off, len);
            }

            @Override
            public void close() throws IOException {
                flush();
            }
        };
    }

    private static List<String> ids(JsonNode listed) {
        return java.util.stream.StreamSupport.stream(listed.path("releases").spliterator(), false)
                .map(r -> r.path("id").asText()).toList();
    }

    private static void awaitRequests(LoadLoop load, long n) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
        while (load.total() < n) {
            if (System.nanoTime() > deadline) {
                fail("the load made only " + load.total() + " requests: " + load.notOk(200));
            }
            Thread.sleep(20);
        }
    }
}
