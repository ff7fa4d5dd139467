package dev.hostel.runner;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A spare runner as the gateway's pool runs it: a child JVM started with {@code --spare} in {@code /}, its
 * {@code HOSTEL-SPARE} line, then the {@code LOAD} line that makes it a site's runner. Its stderr is one file here;
 * the gateway moves it from the pool's log to the site's when it sends {@code LOAD}.
 */
class SpareRunnerTest {
    @TempDir
    Path logs;
    private final List<Process> started = new ArrayList<>();

    @AfterEach
    void killLeftovers() {
        started.forEach(Process::destroyForcibly);
    }

    private Process startSpare(Path sparesLog) throws IOException {
        Process process = new ProcessBuilder(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xshare:auto", "-XX:TieredStopAtLevel=1",
                "-cp", System.getProperty("java.class.path"),
                RunnerMain.class.getName(), "--spare")
                .directory(Path.of("/").toFile())
                .redirectError(sparesLog.toFile())
                .start();
        started.add(process);
        return process;
    }

    private static void send(Process process, String line) throws IOException {
        OutputStream stdin = process.getOutputStream();
        stdin.write((line + "\n").getBytes(StandardCharsets.UTF_8));
        stdin.flush();
    }

    private static String load(Path socket, String app) {
        return "LOAD {\"site\": \"spare\", \"socket\": \"" + socket + "\", \"app\": \"" + app + "\", \"root\": \""
                + SharedRunner.appsRoot() + "\", \"python_path\": [], \"threads\": 2,"
                + " \"env\": {\"HOSTEL_SPARE_TEST\": \"from \\\"LOAD\\\"\"}}";
    }

    @Test
    void loadMakesTheSpareTheSitesRunner() throws Exception {
        Path stderr = logs.resolve("stderr.log");
        Path socket = SharedRunner.newSocketPath("spare");
        Process process = startSpare(stderr);
        BufferedReader stdout = new BufferedReader(new InputStreamReader(process.getInputStream(),
                StandardCharsets.UTF_8));
        assertEquals("HOSTEL-SPARE " + process.pid(), stdout.readLine());
        assertFalse(Files.exists(socket), "no socket before LOAD");

        send(process, load(socket, "spare_app:application"));
        assertEquals("HOSTEL-READY " + process.pid(), stdout.readLine());
        try (UdsClient client = UdsClient.connect(socket)) {
            assertEquals("from \"LOAD\"", client.get("/env").text(), "the site's env is in os.environ");
            assertEquals(SharedRunner.appsRoot().toString(), client.get("/cwd").text(),
                    "Python's working directory is the site's root, as for a runner started in it");
        }

        process.getOutputStream().close();
        assertTrue(process.waitFor(60, TimeUnit.SECONDS), "EOF on stdin still means the gateway is gone");
        assertEquals(0, process.exitValue());
        assertEquals(null, stdout.readLine(), "nothing on stdout but the two lines");
        String log = Files.readString(stderr);
        for (String part : List.of("spare runner (pid " + process.pid() + ") ready", "claimed for this site",
                "spare app printed to stdout", "spare app wrote to stderr", "the gateway closed stdin")) {
            assertTrue(log.contains(part), "expected '" + part + "' on its stderr:\n" + log);
        }
    }

    @Test
    void exitsQuietlyWhenStdinEndsBeforeLoad() throws Exception {
        Path sparesLog = logs.resolve("_spares.log");
        Process process = startSpare(sparesLog);
        BufferedReader stdout = new BufferedReader(new InputStreamReader(process.getInputStream(),
                StandardCharsets.UTF_8));
        assertEquals("HOSTEL-SPARE " + process.pid(), stdout.readLine());
        process.getOutputStream().close();
        assertTrue(process.waitFor(60, TimeUnit.SECONDS));
        assertEquals(0, process.exitValue());
        assertTrue(Files.readString(sparesLog).contains("spare no longer needed"));
    }

    @Test
    void aBadLoadLineIsAUsageError() throws Exception {
        Path sparesLog = logs.resolve("_spares.log");
        Process process = startSpare(sparesLog);
        send(process, "LOAD {\"site\": \"x\"");
        assertTrue(process.waitFor(120, TimeUnit.SECONDS));
        assertEquals(2, process.exitValue());
        assertTrue(Files.readString(sparesLog).contains("bad JSON"), Files.readString(sparesLog));
    }

    @Test
    void anAppThatCannotBeImportedExitsWith78AndTellsTheSitesLog() throws Exception {
        Path siteLog = logs.resolve("broken.log");
        Process process = startSpare(siteLog);
        send(process, load(SharedRunner.newSocketPath("broken"), "broken_app:application"));
        assertTrue(process.waitFor(120, TimeUnit.SECONDS));
        assertEquals(78, process.exitValue());
        String log = Files.readString(siteLog);
        assertTrue(log.contains("importing module 'broken_app' failed") && log.contains("Traceback"), log);
    }
}
