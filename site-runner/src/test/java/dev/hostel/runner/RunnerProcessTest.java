package dev.hostel.runner;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.hostel.runner.UdsClient.Response;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
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
 * The runner as the gateway starts it: a child JVM, its READY line on stdout, its log on stderr,
 * its exit statuses, and its exit when stdin closes or on SIGTERM.
 */
class RunnerProcessTest {
    @TempDir
    Path logs;
    private final List<Process> started = new ArrayList<>();

    @AfterEach
    void killLeftovers() {
        started.forEach(Process::destroyForcibly);
    }

    private Process start(Path socket, Path stderr, String app, String... extra) throws IOException {
        List<String> command = new ArrayList<>(List.of(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xshare:auto", "-XX:TieredStopAtLevel=1",
                "-cp", System.getProperty("java.class.path"),
                RunnerMain.class.getName(),
                "--site", "child", "--socket", socket.toString(), "--app", app,
                "--root", SharedRunner.appsRoot().toString(), "--threads", "2"));
        command.addAll(List.of(extra));
        Process process = new ProcessBuilder(command)
                .redirectError(stderr.toFile())
                .start();
        started.add(process);
        return process;
    }

    private static String readLine(Process process) throws IOException {
        return new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8)).readLine();
    }

    @Test
    void printsReadyServesAndExitsWhenStdinCloses() throws Exception {
        Path socket = SharedRunner.newSocketPath("child");
        Path stderr = logs.resolve("child.log");
        Process process = start(socket, stderr, "hostel_test_app:application");
        BufferedReader stdout = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8));
        assertEquals("HOSTEL-READY " + process.pid(), stdout.readLine());
        try (UdsClient client = UdsClient.connect(socket)) {
            assertEquals("printed", client.get("/print").text());
            Response error = client.get("/raise");
            assertEquals(500, error.status());
            assertFalse(error.text().contains("boom"), "no traceback in the body");
        }
        process.getOutputStream().close();
        assertTrue(process.waitFor(60, TimeUnit.SECONDS), "the runner exits when its parent goes away");
        assertEquals(0, process.exitValue());
        String modules = stdout.readLine();
        assertTrue(modules.startsWith("HOSTEL-MODULES ") && modules.contains("wsgiref.validate"),
                "then the standard modules it loaded, for the next spare: " + modules);
        assertFalse(modules.contains("hostel_test_app"), "never a site's module: " + modules);
        assertEquals(null, stdout.readLine(), "nothing on stdout but those two lines");
        assertFalse(Files.exists(socket), "socket file deleted");
        String log = Files.readString(stderr);
        assertTrue(log.contains("printed by the app"), log);
        assertTrue(log.contains("Traceback (most recent call last)") && log.contains("boom-secret-detail"), log);
    }

    @Test
    void drainsOnSigterm() throws Exception {
        Path socket = SharedRunner.newSocketPath("term");
        Path stderr = logs.resolve("term.log");
        Process process = start(socket, stderr, "hostel_test_app");
        assertEquals("HOSTEL-READY " + process.pid(), readLine(process));
        Await.Hold hold = Await.Hold.in(logs);
        try (UdsClient client = UdsClient.connect(socket)) {
            client.send(hold.request());
            hold.awaitStarted();
            process.destroy();
            hold.release();
            Response response = client.readResponse(false);
            assertEquals("released", response.text(), "the request in flight finishes");
            assertEquals("close", response.header("Connection"));
        }
        assertTrue(process.waitFor(60, TimeUnit.SECONDS));
        assertEquals(143, process.exitValue(), "the JVM's status for SIGTERM");
        assertFalse(Files.exists(socket), "socket file deleted");
    }

    @Test
    void importFailureExitsWithStatus3AndAHint() throws Exception {
        Path stderr = logs.resolve("broken.log");
        Process process = start(SharedRunner.newSocketPath("broken"), stderr, "broken_app:application",
                "--python-path", "/opt/hostel-extra");
        assertTrue(process.waitFor(120, TimeUnit.SECONDS));
        assertEquals(78, process.exitValue(), "EX_CONFIG: the app could not be loaded");
        assertEquals("HOSTEL-FAILED ImportError: No module named hostel_no_such_module_anywhere", readLine(process),
                "one line on stdout for the gateway, which shows it; the details go to the log");
        String log = Files.readString(stderr);
        for (String part : List.of("importing module 'broken_app' failed", "Traceback (most recent call last)",
                "No module named hostel_no_such_module_anywhere",
                "sys.path = ['" + SharedRunner.appsRoot() + "', '/opt/hostel-extra'",
                "check `app` and `root` in the site file")) {
            assertTrue(log.contains(part), "expected '" + part + "' in:\n" + log);
        }
    }

    @Test
    void badArgumentsExitWithStatus2() throws Exception {
        Path stderr = logs.resolve("usage.log");
        Process process = start(SharedRunner.newSocketPath("usage"), stderr, "hostel_test_app", "--threads", "zero");
        assertTrue(process.waitFor(120, TimeUnit.SECONDS));
        assertEquals(2, process.exitValue());
        String log = Files.readString(stderr);
        assertTrue(log.contains("--threads: given twice") && log.contains("usage:"), log);
    }
}
