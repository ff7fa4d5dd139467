package dev.hostel.runner;

import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.time.Duration;
import java.util.Optional;

/**
 * The runner process: one site's WSGI application served on a Unix socket for the gateway.
 *
 * <pre>
 * java [flags] -cp site-runner.jar:lib/* dev.hostel.runner.RunnerMain \
 *     --site NAME --socket /abs/runner.sock --app module.sub:callable --root /abs/site/root \
 *     [--python-path /abs/dir]... [--threads 8]
 * java [flags] -cp ... dev.hostel.runner.RunnerMain --spare
 * </pre>
 *
 * <p>The contract with the gateway: stdout carries {@code HOSTEL-READY <pid>} (or, when the app cannot be
 * loaded, {@code HOSTEL-FAILED <what went wrong>} before exit status 78) once the application is imported and the
 * socket listens, then one line {@code HOSTEL-MODULES a,b,c} (the standard modules loaded, for the next spare:
 * {@link StandardModules}), and nothing else (everything else, Python's
 * {@code sys.stdout} included, goes to stderr, the site's log). Exit status 2 for bad arguments, 78
 * when the application cannot be loaded (with the module, {@code sys.path}, the traceback and a
 * hint on stderr), 1 when the socket cannot be bound. The runner exits when its parent dies (EOF on
 * stdin: status 0 after closing the server) and drains on SIGTERM (up to {@link #DRAIN_TIMEOUT}). A spare exits
 * with 77 when it cannot become its site's user.
 *
 * <p>With {@code --spare} the runner starts without a site, prints {@code HOSTEL-SPARE <pid>} and waits for the
 * site on stdin ({@link SpareRunner}); from then on the contract above holds unchanged.
 */
public final class RunnerMain {
    /** How long SIGTERM lets requests in flight finish. */
    static final Duration DRAIN_TIMEOUT = Duration.ofSeconds(10);
    /** When the parent is gone nobody reads the responses; finish quickly. */
    static final Duration ORPHAN_TIMEOUT = Duration.ofSeconds(1);

    static final int EXIT_LISTEN_FAILED = 1;
    static final int EXIT_USAGE = 2;
    /** EX_NOPERM of sysexits.h: a privileged spare could not (verifiably) become its site's user. */
    static final int EXIT_USER_SWITCH_FAILED = 77;
    /** EX_CONFIG of sysexits.h: not 3, which the JVM uses for -XX:+ExitOnOutOfMemoryError. */
    static final int EXIT_APP_FAILED = 78;

    private RunnerMain() {
    }

    public static void main(String[] args) {
        // Netty probes for Flight Recorder to emit its events, which loads some 80 JFR classes nobody uses here.
        if (System.getProperty("io.netty.jfr.enabled") == null) {
            System.setProperty("io.netty.jfr.enabled", "false");
        }
        // The gateway reads stdout for the READY line only: keep every other byte off it.
        PrintStream ready = System.out;
        SpareRunner spare = SpareRunner.requested(args) ? SpareRunner.install(args) : null;
        System.setOut(System.err);

        RunnerOptions options;
        try {
            options = spare == null ? RunnerOptions.parse(args) : awaitSite(spare, ready);
        } catch (IllegalArgumentException e) {
            Log.info(e.getMessage() + "\n" + RunnerOptions.USAGE);
            System.exit(EXIT_USAGE);
            return;
        } catch (IllegalStateException e) {
            Log.info("cannot become the site's user, exiting: " + e.getMessage());
            System.exit(EXIT_USER_SWITCH_FAILED);
            return;
        }
        Log.site(options.site());

        JythonApp app;
        try {
            app = JythonApp.load(options);
        } catch (AppLoadException e) {
            Log.info(e.getMessage());
            // One line for the gateway, which shows it in GET /sites; the traceback above stays in the site's log.
            ready.println("HOSTEL-FAILED " + e.summary());
            ready.flush();
            System.exit(EXIT_APP_FAILED);
            return;
        }

        RunnerServer server = spare == null ? new RunnerServer(options.socket(), app, options.threads())
                : new RunnerServer(options.socket(), app, options.threads(), spare.transport(), spare.group());
        try {
            server.start();
        } catch (IOException e) {
            Log.info(e.getMessage());
            System.exit(EXIT_LISTEN_FAILED);
            return;
        }
        Runtime.getRuntime().addShutdownHook(new Thread(() -> server.stop(DRAIN_TIMEOUT), "hostel-shutdown"));
        watchParent(System.in, server);

        ready.println("HOSTEL-READY " + ProcessHandle.current().pid());
        ready.flush();
        // After the READY line, so that it costs the start nothing: what the next spare of this ceiling preloads.
        ready.println(StandardModules.LINE + " " + String.join(",", StandardModules.loaded(JythonApp.interpreter())));
        ready.flush();
        server.awaitStopped();
    }

    /** A spare: boots, says so, and waits for its site; exits quietly if stdin ends first (the pool gave it up). */
    private static RunnerOptions awaitSite(SpareRunner spare, PrintStream ready) {
        spare.prepare(ready);
        Optional<RunnerOptions> options = spare.awaitLoad(System.in);
        if (options.isEmpty()) {
            Log.info("stdin closed before LOAD: spare no longer needed; exiting");
            System.exit(0);
        }
        return options.get();
    }

    /**
     * The gateway holds our stdin open; EOF means it died (as uWSGI's vassals follow their Emperor).
     */
    static void watchParent(InputStream stdin, RunnerServer server) {
        Thread watcher = new Thread(() -> {
            byte[] discard = new byte[256];
            IOException failure = null;
            try {
                while (stdin.read(discard) >= 0) {
                    // Nothing is expected on stdin; read until EOF.
                }
            } catch (IOException e) {
                failure = e;
            }
            if (jvmShuttingDown()) {
                // Shutdown hooks (Jython's closes sys.stdin) end the read too; ours is draining already.
                return;
            }
            Log.info(failure == null ? "the gateway closed stdin; stopping"
                    : "stdin failed (" + failure + "); treating the gateway as gone");
            server.stop(ORPHAN_TIMEOUT);
            System.exit(0);
        }, "hostel-parent-watch");
        watcher.setDaemon(true);
        watcher.start();
    }

    private static boolean jvmShuttingDown() {
        Thread probe = new Thread(() -> { });
        try {
            Runtime.getRuntime().addShutdownHook(probe);
            Runtime.getRuntime().removeShutdownHook(probe);
            return false;
        } catch (IllegalStateException shuttingDown) {
            return true;
        }
    }
}
