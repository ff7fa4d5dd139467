package dev.hostel.gateway.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.hostel.gateway.e2e.ScriptClasspath;
import dev.hostel.gateway.e2e.TestHostel;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * {@code scripts/hostel ctl} as an operator runs it, both ways it has: over curl (no JVM) and the Java CLI
 * ({@code HOSTEL_CTL=java}). For every command that goes over curl, both print the same bytes on standard output
 * and on standard error and exit with the same code: successes, refusals, a reload with errors, {@code --json}.
 * The curl runs are given a class path with nothing on it, so an answer from them is proof that no JVM answered.
 */
class CtlOverCurlEndToEndTest {
    private static TestHostel hostel;
    private static Path conf;
    private static String classpath;

    @BeforeAll
    static void start() throws Exception {
        hostel = TestHostel.start(sites -> {
            TestHostel.hello(sites, "hello", "idle_timeout = \"10m\"\nmemory = \"64M\"");
            Files.writeString(sites.resolve("later.toml"), """
                    hosts = ["later.test"]
                    app = "hello:application"
                    """);
        });
        conf = hostel.dir.resolve("conf");
        classpath = ScriptClasspath.make(hostel.dir);
    }

    @AfterAll
    static void stop() {
        hostel.stop();
    }

    @Test
    void everyCommandOverCurlPrintsWhatTheJavaCliPrints() throws Exception {
        for (List<String> command : List.of(
                List.of("sites"), List.of("sites", "--json"), List.of("show", "hello"), List.of("show", "nobody"),
                List.of("--json", "show", "nobody"), List.of("releases", "later"), List.of("releases", "hello"),
                List.of("rollback", "later"), List.of("rollback", "later", "7"), List.of("reload", "nobody"))) {
            assertSame(command);
        }
        Ctl status = assertSame(List.of("status"));
        assertTrue(status.out.startsWith("hostel 0.1.0, pid " + ProcessHandle.current().pid()), status.out);

        Files.writeString(conf.resolve("sites.d/broken.toml"), "hosts = [\"broken.test\"]\nmemory = \"lots\"\n");
        Ctl reload = assertSame(List.of("reload"));
        assertEquals(1, reload.code);
        assertTrue(reload.out.startsWith("reload: "), reload.out);
        assertTrue(reload.err.contains("broken.toml:2: memory: "), reload.err);
        Files.delete(conf.resolve("sites.d/broken.toml"));
    }

    @Test
    void addAndRemoveOverCurlPrintWhatTheJavaCliPrints() throws Exception {
        Path file = hostel.dir.resolve("added.toml");
        Files.writeString(file, "hosts = [\"added.test\"]\napp = \"hello:application\"\nidle_timeout = \"1m\"\n"
                + "root = \"" + TestHostel.HOME.resolve("sites/hello") + "\"\n");
        Ctl[] added = new Ctl[2];
        Ctl[] removed = new Ctl[2];
        for (int java = 0; java < 2; java++) {
            // Its state as it was at that moment (a spare runner may be claiming it): the rest is compared.
            added[java] = ctl(java == 1, Map.of(), "add", file.toString()).withoutState();
            removed[java] = ctl(java == 1, Map.of(), "remove", "added");
        }
        assertEquals(added[1], added[0]);
        assertEquals(0, added[0].code, added[0].err);
        assertTrue(added[0].out.startsWith("site added added: added.test ("), added[0].out);
        assertEquals(removed[1], removed[0]);
        assertEquals(new Ctl(0, "site added removed\n", ""), removed[0]);
        Files.writeString(file, "hosts = [\"hello.test\"]\napp = \"hello:application\"\n");
        Ctl refused = assertSame(List.of("add", file.toString()));
        assertEquals(1, refused.code);
        assertTrue(refused.err.startsWith("hostel ctl: ") && refused.err.contains("already a host of site \"hello\""),
                refused.err);
    }

    @Test
    void theSocketIsFoundTheSameWayFromAnyDirectory() throws Exception {
        Path socket = hostel.dir.resolve("run/hostel.sock");
        Ctl viaEnv = ctl(false, Map.of("HOSTEL_ADMIN_SOCKET", socket.toString()), "sites");
        Ctl viaConfEnv = ctl(false, Map.of("HOSTEL_CONF", conf.toString()), "sites");
        Ctl viaSocket = ctl(false, Map.of(), "sites", "--socket=" + socket);
        assertEquals(0, viaEnv.code, viaEnv.err);
        assertEquals(viaEnv, viaConfEnv);
        assertEquals(viaEnv, viaSocket);
        // Nothing there: curl cannot connect and leaves it to the Java CLI, whose error names the path it tried.
        Path nowhere = hostel.dir.resolve("nowhere.sock");
        Ctl lost = run(true, false, Map.of(), List.of("--socket", nowhere.toString(), "sites"));
        assertEquals(3, lost.code, lost.err);
        assertTrue(lost.err.contains("cannot connect to " + nowhere + ": is Hostel running?"), lost.err);
    }

    /** Runs {@code command} both ways and checks they print the same; returns the curl run's. */
    private static Ctl assertSame(List<String> command) throws Exception {
        Ctl curl = ctl(false, Map.of(), command.toArray(String[]::new));
        Ctl java = ctl(true, Map.of(), command.toArray(String[]::new));
        if (command.equals(List.of("status"))) { // seconds pass between the two
            curl = curl.withoutUptime();
            java = java.withoutUptime();
        }
        assertEquals(java, curl, "ctl " + String.join(" ", command));
        return curl;
    }

    private record Ctl(int code, String out, String err) {
        Ctl withoutState() {
            return new Ctl(code, out.replaceFirst("\\(\\w+\\)\n$", "(-)\n"), err);
        }

        Ctl withoutUptime() {
            return new Ctl(code, out.replaceFirst(", up \\w+", ", up -"), err);
        }
    }

    /** {@code scripts/hostel ctl --conf CONF ARGS}, from a directory that has nothing to do with Hostel. */
    private static Ctl ctl(boolean java, Map<String, String> env, String... args) throws Exception {
        List<String> command = new ArrayList<>(List.of(args));
        if (env.isEmpty() && command.stream().noneMatch(a -> a.startsWith("--socket"))) {
            command.addAll(0, List.of("--conf", conf.toString()));
        }
        return run(java, !java, env, command);
    }

    /**
     * @param java       through the Java CLI ({@code HOSTEL_CTL=java})
     * @param withoutJvm with a class path that holds nothing, so that only curl can answer
     */
    private static Ctl run(boolean java, boolean withoutJvm, Map<String, String> env, List<String> args)
            throws Exception {
        List<String> command = new ArrayList<>(List.of("bash", TestHostel.HOME.resolve("scripts/hostel").toString(), "ctl"));
        command.addAll(args);
        Path out = Files.createTempFile(hostel.dir, "ctl-", ".out");
        Path err = Files.createTempFile(hostel.dir, "ctl-", ".err");
        ProcessBuilder builder = new ProcessBuilder(command).directory(Path.of("/").toFile())
                .redirectOutput(out.toFile()).redirectError(err.toFile());
        builder.environment().remove(Locations.CONF_ENV);
        builder.environment().remove(Locations.SOCKET_ENV);
        builder.environment().remove("HOSTEL_JAVA_OPTS");
        builder.environment().put("HOSTEL_CLASSPATH", withoutJvm ? hostel.dir.resolve("no.jar").toString() : classpath);
        if (java) {
            builder.environment().put("HOSTEL_CTL", "java");
        }
        builder.environment().putAll(env);
        Process process = builder.start();
        if (!process.waitFor(120, TimeUnit.SECONDS)) {
            process.destroyForcibly();
            throw new AssertionError("ctl " + args + " still running after 120 s");
        }
        try {
            return new Ctl(process.exitValue(), Files.readString(out), Files.readString(err));
        } finally {
            delete(out);
            delete(err);
        }
    }

    private static void delete(Path file) throws IOException {
        Files.deleteIfExists(file);
    }
}
