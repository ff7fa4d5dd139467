package dev.hostel.gateway.e2e;

import java.io.IOException;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.concurrent.Callable;
import java.util.function.Supplier;

/**
 * Waiting for a condition instead of for a time, so that the tests hold on a machine where a runner JVM takes
 * 30 s or more to start. Deadlines are generous: they only bound how long a broken build takes to fail.
 */
public final class Await {
    /** For anything that starts a runner JVM (or several, as the shared Hostel does). */
    public static final Duration RUNNER_START = Duration.ofSeconds(120);

    private Await() {
    }

    /** Returns once {@code condition} holds; fails with {@code message} after {@code max}. */
    public static void until(Callable<Boolean> condition, Duration max, String message) throws Exception {
        until(condition, max, () -> message);
    }

    /** The same, with a message made when it fails (e.g. with the last thing seen). */
    public static void until(Callable<Boolean> condition, Duration max, Supplier<String> message) throws Exception {
        long deadline = System.nanoTime() + max.toNanos();
        while (!condition.call()) {
            if (System.nanoTime() - deadline > 0) {
                throw new AssertionError(message.get() + " (waited " + max.toSeconds() + " s)");
            }
            Thread.sleep(50);
        }
    }

    /**
     * {@code GET path} until it answers 200, as a user retrying after a 503 (a runner still starting past the
     * gateway's own wait) would; fails with the last answer after {@link #RUNNER_START}.
     */
    public static HttpResponse<String> ok(TestHostel on, String host, String path) throws Exception {
        Object[] last = {"nothing"};
        @SuppressWarnings("unchecked")
        HttpResponse<String>[] ok = new HttpResponse[1];
        until(() -> {
            try {
                HttpResponse<String> response = on.get(host, path);
                last[0] = response.statusCode() + " " + response.body();
                if (response.statusCode() == 200) {
                    ok[0] = response;
                }
            } catch (IOException e) {
                last[0] = e;
            }
            return ok[0] != null;
        }, RUNNER_START, () -> host + path + " never answered 200; last: " + last[0]);
        return ok[0];
    }
}
