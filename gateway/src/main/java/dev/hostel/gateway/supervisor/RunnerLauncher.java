package dev.hostel.gateway.supervisor;

import dev.hostel.gateway.config.SiteConfig;

import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * Builds the command line and environment of a runner process and starts it.
 *
 * <p>The runner is {@code dev.hostel.runner.RunnerMain} from the {@code site-runner} module, started with the
 * same {@code java} as the gateway. Its stderr goes straight to the site's log; its stdout is a pipe the
 * gateway reads for the {@code HOSTEL-READY} line (and then copies to the log); its stdin is a pipe the gateway
 * never writes, so that the runner sees end-of-file and exits when the gateway dies.
 */
public final class RunnerLauncher {
    private static final String MAIN_CLASS = "dev.hostel.runner.RunnerMain";

    private final Path javaExecutable;
    private final String classpath;
    private final Path runDir;
    private final Path logDir;

    /**
     * @param runnerHome the Hostel installation, whose {@code site-runner/target} holds the runner's jar and libs
     * @param runDir     where the runners' Unix sockets are created
     * @param logDir     where each site's log file is written
     */
    public RunnerLauncher(Path runnerHome, Path runDir, Path logDir) {
        this.javaExecutable = Path.of(System.getProperty("java.home"), "bin", "java");
        this.classpath = runnerClasspath(runnerHome);
        this.runDir = Objects.requireNonNull(runDir);
        this.logDir = Objects.requireNonNull(logDir);
    }

    private static String runnerClasspath(Path home) {
        Path target = home.resolve("site-runner").resolve("target");
        try (var jars = Files.list(target)) {
            Path jar = jars.filter(p -> p.getFileName().toString().matches("site-runner-.*\\.jar"))
                    .findFirst()
                    .orElseThrow(() -> new IllegalStateException(
                            "no site-runner jar in " + target + ": build it with `mvn -pl site-runner package`"));
            return jar + File.pathSeparator + target.resolve("lib") + File.separator + "*";
        } catch (IOException e) {
            throw new IllegalStateException("cannot read " + target + ": build it with `mvn package`", e);
        }
    }

    public Path runDir() {
        return runDir;
    }

    public Path logFile(SiteConfig site) {
        return logDir.resolve(site.name() + ".log");
    }

    /** The socket path of a runner; Unix socket paths are limited to 107 bytes, so this is checked here. */
    public Path socketFor(SiteConfig site, int index, long generation) {
        Path socket = runDir.resolve(site.name() + "." + index + "." + generation + ".sock");
        if (socket.toString().getBytes().length > 107) {
            throw new IllegalStateException("runner socket path too long for a Unix socket (max 107 bytes): "
                    + socket + "; put admin_socket in a shorter directory");
        }
        return socket;
    }

    List<String> command(SiteConfig site, Path socket) {
        List<String> cmd = new ArrayList<>();
        cmd.add(javaExecutable.toString());
        cmd.addAll(JvmFlags.forCeiling(site.memory()));
        cmd.add("-cp");
        cmd.add(classpath);
        cmd.add(MAIN_CLASS);
        cmd.add("--site");
        cmd.add(site.name());
        cmd.add("--socket");
        cmd.add(socket.toString());
        cmd.add("--app");
        cmd.add(site.app());
        cmd.add("--root");
        cmd.add(site.root().toString());
        for (Path p : site.pythonPath()) {
            cmd.add("--python-path");
            cmd.add(p.toString());
        }
        cmd.add("--threads");
        cmd.add(Integer.toString(site.threads()));
        return cmd;
    }

    Process launch(SiteConfig site, Path socket) throws IOException {
        Files.createDirectories(runDir);
        Files.createDirectories(logDir);
        Files.deleteIfExists(socket);
        ProcessBuilder pb = new ProcessBuilder(command(site, socket));
        pb.directory(site.root().toFile());
        pb.environment().putAll(site.env());
        pb.redirectInput(ProcessBuilder.Redirect.PIPE);
        pb.redirectOutput(ProcessBuilder.Redirect.PIPE);
        pb.redirectError(ProcessBuilder.Redirect.appendTo(logFile(site).toFile()));
        return pb.start();
    }
}
