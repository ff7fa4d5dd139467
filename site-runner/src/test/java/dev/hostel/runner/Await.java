package dev.hostel.runner;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.Callable;

/**
 * Waiting for a condition instead of for a time, so that the tests hold on a busy machine (a JVM start may take
 * 30 s there). Deadlines are generous: they only bound how long a broken build takes to fail.
 */
final class Await {
    static final Duration LONG = Duration.ofSeconds(120);

    private Await() {
    }

    static void until(Callable<Boolean> condition, Duration max, String message) throws Exception {
        long deadline = System.nanoTime() + max.toNanos();
        while (!condition.call()) {
            if (System.nanoTime() - deadline > 0) {
                throw new AssertionError(message + " (waited " + max.toSeconds() + " s)");
            }
            Thread.sleep(10);
        }
    }

    /** A file for the test app's {@code /hold?file=...}: the request waits until {@link Hold#release}. */
    record Hold(Path file) {
        static Hold in(Path dir) {
            return new Hold(dir.resolve("hold-" + System.nanoTime()));
        }

        String request() {
            return "GET /hold?file=" + file + " HTTP/1.1\r\nHost: localhost\r\n\r\n";
        }

        /** Returns once the app has the request. */
        void awaitStarted() throws Exception {
            Path started = file.resolveSibling(file.getFileName() + ".started");
            until(() -> Files.exists(started), LONG, "the held request never reached the app");
        }

        void release() throws Exception {
            Files.createFile(file);
        }
    }
}
