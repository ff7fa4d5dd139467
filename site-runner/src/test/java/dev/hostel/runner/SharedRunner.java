package dev.hostel.runner;

import java.io.IOException;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * One Jython interpreter and one started server on the test apps, shared by every test class in
 * the JVM: Jython starts once per process and takes a second or two.
 */
final class SharedRunner {
    private static JythonApp app;
    private static RunnerServer server;
    private static Path directory;

    private SharedRunner() {
    }

    /** {@code src/test/resources/apps}, as copied to the test classpath. */
    static Path appsRoot() {
        try {
            return Path.of(SharedRunner.class.getResource("/apps/hostel_test_app.py").toURI()).getParent();
        } catch (URISyntaxException e) {
            throw new IllegalStateException(e);
        }
    }

    static synchronized JythonApp app() throws AppLoadException {
        if (app == null) {
            app = JythonApp.load("tests", "hostel_test_app", "application", appsRoot(), List.of());
        }
        return app;
    }

    /** The shared server's socket; the server lives until the JVM exits. */
    static synchronized Path socket() throws Exception {
        if (server == null) {
            server = new RunnerServer(newSocketPath("shared"), app(), 8);
            server.start();
        }
        return server.socket();
    }

    /** A fresh socket path in a short temporary directory (socket paths are limited to 107 bytes). */
    static synchronized Path newSocketPath(String name) throws IOException {
        if (directory == null) {
            directory = Files.createTempDirectory(Path.of("/tmp"), "hostel-test");
            directory.toFile().deleteOnExit();
        }
        return directory.resolve(name + "-" + System.nanoTime() + ".sock");
    }
}
