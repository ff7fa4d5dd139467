package dev.hostel.gateway.cli;

import dev.hostel.gateway.e2e.Await;
import dev.hostel.gateway.e2e.TestHostel;

import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * The {@code hostel} command as an operator runs it: a real JVM process ({@code java -cp ... Main}, what
 * {@code scripts/hostel} runs), in a working directory and environment of the test's choosing, its output
 * (stdout and stderr together, as a console shows them) in a file.
 */
final class HostelProcess implements AutoCloseable {
    final Process process;
    final Path output;

    private HostelProcess(Process process, Path output) {
        this.process = process;
        this.output = output;
    }

    /**
     * Starts {@code hostel ARGS}.
     *
     * @param home the installation the process believes it is in ({@code -Dhostel.home}), or null for the real one
     */
    static HostelProcess start(Path workingDir, Map<String, String> env, Path home, String... args) throws IOException {
        List<String> command = new ArrayList<>(List.of(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC",
                "-cp", System.getProperty("java.class.path"),
                "-Dhostel.home=" + (home == null ? TestHostel.HOME : home),
                // As the in-process Hostels of the tests: a busy machine's slow runner start is not a 503.
                "dev.hostel.gateway.Main"));
        command.addAll(List.of(args));
        Path output = Files.createTempFile(Path.of("/tmp"), "hostel-cli-", ".log");
        ProcessBuilder builder = new ProcessBuilder(command)
                .directory(workingDir.toFile())
                .redirectErrorStream(true)
                .redirectOutput(output.toFile());
        builder.environment().remove(Locations.CONF_ENV);
        builder.environment().remove(Locations.SOCKET_ENV);
        builder.environment().putAll(env);
        return new HostelProcess(builder.start(), output);
    }

    /** Runs {@code hostel ARGS} to its end. */
    static HostelProcess run(Path workingDir, Map<String, String> env, Path home, String... args) throws Exception {
        HostelProcess p = start(workingDir, env, home, args);
        p.exitCode();
        return p;
    }

    String output() throws IOException {
        return Files.readString(output);
    }

    /** Waits for the process to end (a JVM start may take 30 s or more on a busy machine). */
    int exitCode() throws Exception {
        if (!process.waitFor(Await.RUNNER_START.toSeconds(), TimeUnit.SECONDS)) {
            throw new AssertionError("still running: " + output());
        }
        return process.exitValue();
    }

    void awaitOutput(String text) throws Exception {
        Await.until(() -> output().contains(text) || !process.isAlive(), Await.RUNNER_START,
                () -> "no \"" + text + "\" in: " + outputOrNothing());
        if (!output().contains(text)) {
            throw new AssertionError("exited with " + process.exitValue() + " before \"" + text + "\": " + output());
        }
    }

    void signal(String name) throws Exception {
        Process kill = new ProcessBuilder("kill", "-" + name, Long.toString(process.pid())).inheritIO().start();
        if (kill.waitFor() != 0) {
            throw new AssertionError("kill -" + name + " failed");
        }
    }

    private String outputOrNothing() {
        try {
            return output();
        } catch (IOException e) {
            return e.toString();
        }
    }

    @Override
    public void close() throws Exception {
        process.destroyForcibly().waitFor(60, TimeUnit.SECONDS);
        new File(output.toString()).delete();
    }
}
