package dev.hostel.gateway.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import dev.hostel.gateway.cli.AdminClient;

import java.io.File;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The gateway as {@code scripts/hostel run} starts it, with its JVM flags and its own class-data archive: the
 * first run writes the archive when it stops, the second maps it and stays under its footprint bound while idle.
 * The gateway runs from a jar of its classes made here (the build's jar does not exist yet when the tests run;
 * class-data archives take jars only).
 */
class GatewayFootprintEndToEndTest {
    /**
     * Idle PSS bound: measured 47 MB on its own branch, 53 MB once the other work of its session was merged (site
     * users, the memory pressure watch, the front door's buffers: more classes), on a 2-core machine with one
     * on-demand site and a spare runner beside it (BENCHMARKS.md, "Gateway footprint": 46 MB, 78 before), so the
     * bound catches a lost flag or a lost archive (each 10 MB or more) with a margin for noise.
     */
    private static final long IDLE_PSS_BOUND_KB = 58L << 10;
    private static final Pattern PSS = Pattern.compile("^Pss:\\s+(\\d+) kB", Pattern.MULTILINE);

    private static Path dir;
    private static String classpath;

    @BeforeAll
    static void gatewayJar() throws IOException {
        dir = Files.createTempDirectory(Path.of("/tmp"), "hostel-footprint-");
        TestHostel.passable(dir);
        classpath = ScriptClasspath.make(dir);
    }

    @AfterAll
    static void cleanUp() throws IOException {
        try (Stream<Path> files = Files.walk(dir)) {
            files.sorted(Comparator.reverseOrder()).map(Path::toFile).forEach(File::delete);
        }
    }

    @Test
    void secondRunMapsTheArchiveWrittenByTheFirstAndStaysSmallWhenIdle() throws Exception {
        Path conf = TestHostel.writeConf(dir, "budget = \"512M\"");
        Path socket = dir.resolve("run/hostel.sock");
        TestHostel.hello(conf.resolve("sites.d"), "hello", "idle_timeout = \"10m\"\nmemory = \"96M\"");
        Path cds = dir.resolve("cds");

        Process first = start(conf, cds, "first.log");
        try {
            serve(socket);
        } finally {
            stop(first);
        }
        try (Stream<Path> made = Files.list(cds)) {
            assertTrue(made.anyMatch(p -> p.getFileName().toString().endsWith(".jsa.new")),
                    "the first run wrote no class-data archive; see " + dir.resolve("first.log"));
        }

        Process second = start(conf, cds, "second.log");
        try {
            serve(socket);
            String maps = Files.readString(Path.of("/proc", Long.toString(second.pid()), "maps"));
            assertTrue(maps.contains(cds.toString()), "the second run does not map the archive in " + cds);
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
            long pss;
            while ((pss = pssKb(second.pid())) > IDLE_PSS_BOUND_KB && System.nanoTime() < deadline) {
                Thread.sleep(500);
            }
            System.out.printf("idle gateway PSS: %d KB%n", pss); // in the surefire report, for BENCHMARKS.md
            assertTrue(pss <= IDLE_PSS_BOUND_KB, "idle gateway PSS " + (pss >> 10) + " MB, over "
                    + (IDLE_PSS_BOUND_KB >> 10) + " MB");
        } finally {
            stop(second);
        }
    }

    @Test
    void anArchiveFromARunThatNeverServedIsNotKept() throws Exception {
        Path conf = dir.resolve("bad");
        Files.createDirectories(conf);
        Files.writeString(conf.resolve("hostel.toml"), "budget = \"lots\"\n");
        Path cds = dir.resolve("cds-bad");

        Process failed = start(conf, cds, "bad.log", "run");
        assertTrue(failed.waitFor(120, TimeUnit.SECONDS), "a run with a bad hostel.toml did not exit");
        assertEquals(1, failed.exitValue(), Files.readString(dir.resolve("bad.log")));
        try (Stream<Path> made = Files.list(cds)) {
            assertTrue(made.anyMatch(p -> p.getFileName().toString().endsWith(".jsa.new")),
                    "the JVM archives at any exit: the failed run should have left one to discard");
        }
        Process check = start(TestHostel.writeConf(dir.resolve("good"), ""), cds, "check.log", "check");
        assertTrue(check.waitFor(120, TimeUnit.SECONDS), "check did not exit");
        assertEquals(0, check.exitValue(), Files.readString(dir.resolve("check.log")));
        try (Stream<Path> left = Files.list(cds)) {
            assertEquals(List.of(), left.toList(), "what the failed run archived at exit was kept");
        }
    }

    private Process start(Path conf, Path cds, String log) throws IOException {
        return start(conf, cds, log, "run");
    }

    private Process start(Path conf, Path cds, String log, String command) throws IOException {
        ProcessBuilder pb = new ProcessBuilder("bash", TestHostel.HOME.resolve("scripts/hostel").toString(),
                command, "--conf", conf.toString())
                .redirectErrorStream(true)
                .redirectOutput(dir.resolve(log).toFile());
        pb.environment().put("HOSTEL_CLASSPATH", classpath);
        pb.environment().put("HOSTEL_CDS_DIR", cds.toString());
        pb.environment().remove("HOSTEL_JAVA_OPTS");
        return pb.start();
    }

    /** Waits for the admin socket, then sends the gateway a few requests for a host it does not serve. */
    private void serve(Path socket) throws Exception {
        AdminClient admin = new AdminClient(socket);
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
        String listener = null;
        while (listener == null) {
            try {
                AdminClient.Response status = admin.get("/status");
                Matcher m = Pattern.compile("\"listeners\" : \\[ \"([^\"]+)\"").matcher(status.body());
                if (m.find()) {
                    listener = m.group(1);
                }
            } catch (AdminClient.CannotConnectException e) {
                if (System.nanoTime() > deadline) {
                    fail("the gateway did not start; see " + dir);
                }
                Thread.sleep(200);
            }
        }
        HttpClient client = HttpClient.newHttpClient();
        for (int i = 0; i < 20; i++) {
            HttpResponse<String> r = client.send(HttpRequest.newBuilder(URI.create("http://" + listener + "/"))
                    .header("Host", "nobody.test").build(), HttpResponse.BodyHandlers.ofString());
            assertEquals(404, r.statusCode());
        }
    }

    private static void stop(Process gateway) throws InterruptedException {
        gateway.destroy(); // SIGTERM: an orderly stop, in which the JVM writes the archive
        if (!gateway.waitFor(60, TimeUnit.SECONDS)) {
            gateway.destroyForcibly().waitFor();
        }
    }

    private static long pssKb(long pid) throws IOException {
        Matcher m = PSS.matcher(Files.readString(Path.of("/proc", Long.toString(pid), "smaps_rollup")));
        return m.find() ? Long.parseLong(m.group(1)) : fail("no Pss in smaps_rollup of " + pid);
    }
}
