package dev.hostel.runner;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.BufferedReader;
import java.io.File;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.nio.file.attribute.PosixFilePermissions;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A spare runner as the gateway's pool runs it: a child JVM started with {@code --spare} in {@code /}, its
 * {@code HOSTEL-SPARE} line, then the {@code LOAD} line that makes it a site's runner. Its stderr is one file here;
 * the gateway moves it from the pool's log to the site's when it sends {@code LOAD}.
 */
class SpareRunnerTest {
    private static final boolean ROOT = "root".equals(System.getProperty("user.name"));
    /** The user a spare started as root becomes here: nobody's uid and gid. */
    private static final int NOBODY = 65534;
    private static Path readableJars;
    @TempDir
    Path logs;
    private final List<Process> started = new ArrayList<>();

    @AfterEach
    void killLeftovers() {
        started.forEach(Process::destroyForcibly);
    }

    /**
     * The test's class path, readable by {@link #NOBODY} when the spare runs as root: a runner reads Jython's jar
     * again after it became the site's user (Jython's lazy imports of its library), so the jars from the local
     * Maven repository ({@code /root/.m2}, closed to other users) are copied to a folder anyone can read, as the
     * gateway's runners have them in {@code site-runner/target/lib}.
     */
    private static synchronized String classpath() throws IOException {
        String path = System.getProperty("java.class.path");
        if (!ROOT) {
            return path;
        }
        if (readableJars == null) {
            readableJars = Files.createTempDirectory(Path.of("/tmp"), "hostel-spare-jars");
            Files.setPosixFilePermissions(readableJars, PosixFilePermissions.fromString("rwxr-xr-x"));
        }
        List<String> entries = new ArrayList<>();
        for (String entry : path.split(File.pathSeparator)) {
            Path p = Path.of(entry);
            if (entry.endsWith(".jar") && entry.startsWith("/root/")) {
                Path copy = readableJars.resolve(p.getFileName());
                if (!Files.exists(copy)) {
                    Files.copy(p, copy);
                }
                entries.add(copy.toString());
            } else {
                entries.add(entry);
            }
        }
        return String.join(File.pathSeparator, entries);
    }

    @AfterAll
    static void deleteJars() throws IOException {
        if (readableJars != null) {
            try (var files = Files.list(readableJars)) {
                for (Path f : files.toList()) {
                    Files.delete(f);
                }
            }
            Files.delete(readableJars);
        }
    }

    private Process startSpare(Path sparesLog, String... options) throws IOException {
        List<String> command = new ArrayList<>(List.of(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xshare:auto", "-XX:TieredStopAtLevel=1",
                "-cp", classpath(),
                RunnerMain.class.getName(), "--spare"));
        command.addAll(List.of(options));
        Process process = new ProcessBuilder(command)
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

    private static String load(Path socket, String app, String user) {
        return "LOAD {\"site\": \"spare\", \"socket\": \"" + socket + "\", \"app\": \"" + app + "\", \"root\": \""
                + SharedRunner.appsRoot() + "\", \"python_path\": [], \"threads\": 2,"
                + " \"env\": {\"HOSTEL_SPARE_TEST\": \"from \\\"LOAD\\\"\"}" + user + "}";
    }

    /**
     * The LOAD line of a spare as the gateway sends it: as root (the spare then runs as root, as a privileged spare
     * does), with a user to become, {@link #NOBODY}, whose folder holds the socket; otherwise as it is.
     */
    private String load(String name, String app) throws IOException {
        if (!ROOT) {
            return load(SharedRunner.newSocketPath(name), app, "");
        }
        Path dir = userDir();
        return load(dir.resolve(name + ".sock"), app, ", \"user\": {\"uid\": " + NOBODY + ", \"gid\": " + NOBODY
                + ", \"name\": \"nobody\", \"home\": \"/\", \"import_locks\": \"" + dir.resolve("locks") + "\"}");
    }

    /** A folder of {@link #NOBODY}'s, as the gateway gives each user's runners, in a folder others can pass. */
    private Path userDir() throws IOException {
        Files.setPosixFilePermissions(logs, PosixFilePermissions.fromString("rwx--x--x"));
        Path dir = Files.createDirectories(logs.resolve("user"));
        Files.setAttribute(dir, "unix:uid", NOBODY);
        Files.setAttribute(dir, "unix:gid", NOBODY);
        return dir;
    }

    private static String readQuietly(Path file) {
        try {
            return Files.readString(file);
        } catch (IOException e) {
            return e.toString();
        }
    }

    private static long uidOf(Process process) throws IOException {
        return Files.readAllLines(Path.of("/proc/" + process.pid() + "/status")).stream()
                .filter(l -> l.startsWith("Uid:")).map(l -> Long.parseLong(l.split("\\s+")[2])).findFirst()
                .orElseThrow();
    }

    @Test
    void loadMakesTheSpareTheSitesRunner() throws Exception {
        Path stderr = logs.resolve("stderr.log");
        Process process = startSpare(stderr);
        BufferedReader stdout = new BufferedReader(new InputStreamReader(process.getInputStream(),
                StandardCharsets.UTF_8));
        assertEquals("HOSTEL-SPARE " + process.pid(), stdout.readLine());
        String load = load("spare", "spare_app:application");
        Path socket = Path.of(load.replaceAll(".*\"socket\": \"([^\"]+)\".*", "$1"));
        assertFalse(Files.exists(socket), "no socket before LOAD");

        send(process, load);
        assertEquals("HOSTEL-READY " + process.pid(), stdout.readLine());
        if (ROOT) {
            assertEquals(NOBODY, uidOf(process), "the spare became the user LOAD named");
            assertEquals(NOBODY, Files.getAttribute(socket, "unix:uid"), "and listens as that user");
        }
        try (UdsClient client = UdsClient.connect(socket)) {
            assertEquals("from \"LOAD\"", client.get("/env").text(), () -> "the site's env is in os.environ; "
                    + "stderr:\n" + readQuietly(stderr));
            assertEquals(SharedRunner.appsRoot().toString(), client.get("/cwd").text(),
                    "Python's working directory is the site's root, as for a runner started in it");
        }

        process.getOutputStream().close();
        assertTrue(process.waitFor(60, TimeUnit.SECONDS), "EOF on stdin still means the gateway is gone");
        assertEquals(0, process.exitValue());
        assertTrue(stdout.readLine().startsWith("HOSTEL-MODULES "), "then the standard modules it loaded");
        assertEquals(null, stdout.readLine(), "nothing on stdout but those lines");
        String log = Files.readString(stderr);
        for (String part : List.of("spare runner (pid " + process.pid() + ") ready", "claimed for this site",
                "spare app printed to stdout", "spare app wrote to stderr", "the gateway closed stdin")) {
            assertTrue(log.contains(part), "expected '" + part + "' on its stderr:\n" + log);
        }
    }

    @Test
    void aWarmSpareHasTheModulesItWasToldToPreloadBeforeLoadAndStillServesAsTheSitesUser() throws Exception {
        Path stderr = logs.resolve("stderr.log");
        Process process = startSpare(stderr, "--preload=json,decimal,hostel_no_such_module,user,webbrowser");
        BufferedReader stdout = new BufferedReader(new InputStreamReader(process.getInputStream(),
                StandardCharsets.UTF_8));
        assertEquals("HOSTEL-SPARE " + process.pid(), stdout.readLine(), () -> readQuietly(stderr));
        String load = load("warm", "preload_probe:application");
        Path socket = Path.of(load.replaceAll(".*\"socket\": \"([^\"]+)\".*", "$1"));
        send(process, load);
        assertEquals("HOSTEL-READY " + process.pid(), stdout.readLine(), () -> readQuietly(stderr));
        String modules = stdout.readLine();
        try (UdsClient client = UdsClient.connect(socket)) {
            String seen = client.get("/").text();
            assertTrue(seen.contains("\"decimal\": true") && seen.contains("\"json\": true"),
                    "preloaded before the site's first line: " + seen);
            assertTrue(seen.contains("\"user\": false") && seen.contains("\"webbrowser\": false"),
                    "never preloaded (they would read the spare's HOME and BROWSER): " + seen);
            assertTrue(seen.contains("\"sum\": \"0.3\""), seen);
            if (ROOT) {
                assertTrue(seen.contains("\"uid\": " + NOBODY), "served as the site's user: " + seen);
            }
        }
        assertTrue(modules.startsWith("HOSTEL-MODULES ") && List.of(modules.substring(15).split(","))
                .containsAll(List.of("decimal", "json")), "reported for the next spare: " + modules);
        assertFalse(List.of(modules.substring(15).split(",")).contains("preload_probe"), "no site module: "
                + modules);
        assertTrue(readQuietly(stderr).contains("preload of standard module 'hostel_no_such_module' failed,"
                + " skipped"), () -> readQuietly(stderr));
        assertTrue(readQuietly(stderr).contains("preloaded 2 of 3 standard modules"), () -> readQuietly(stderr));
        process.getOutputStream().close();
        assertTrue(process.waitFor(60, TimeUnit.SECONDS));
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
        send(process, load("broken", "broken_app:application"));
        assertTrue(process.waitFor(120, TimeUnit.SECONDS));
        assertEquals(78, process.exitValue());
        String log = Files.readString(siteLog);
        assertTrue(log.contains("importing module 'broken_app' failed") && log.contains("Traceback"), log);
    }

    @Test
    void asRootASpareGivenNoUserRefusesToServe() throws Exception {
        Assumptions.assumeTrue(ROOT, "only a spare running as root must be given a user");
        Path log = logs.resolve("root.log");
        Process process = startSpare(log);
        send(process, load(SharedRunner.newSocketPath("root"), "spare_app:application", ""));
        assertTrue(process.waitFor(120, TimeUnit.SECONDS));
        assertEquals(77, process.exitValue());
        assertTrue(Files.readString(log).contains("refusing to serve a site as root"), Files.readString(log));
    }
}
