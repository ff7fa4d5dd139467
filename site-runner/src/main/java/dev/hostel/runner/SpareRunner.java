package dev.hostel.runner;

import io.netty.channel.EventLoopGroup;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.python.core.Py;
import org.python.core.PyObject;
import org.python.core.PySystemState;
import org.python.core.imp;

/**
 * A runner started before any site needs it ({@code RunnerMain --spare}), so that a site scaled to zero only waits
 * for its own app to be imported, not for a JVM and Jython to start.
 *
 * <p>The protocol with the gateway: the spare boots Jython, imports what every app needs, rehearses a request
 * ({@link WarmUp}), imports the standard modules the gateway listed ({@code --preload=}, see
 * {@link StandardModules}), creates the server's event loop, then prints {@code HOSTEL-SPARE <pid>} on stdout and reads one line from stdin,
 * {@code LOAD <json>} ({@link LoadCommand}). From there on it is the site's runner, exactly as if started with
 * that site's command line: it prints {@code HOSTEL-READY <pid>} once the app is imported and the socket listens,
 * and end-of-file on stdin means the gateway died. End-of-file before {@code LOAD} means the pool gave the spare
 * up (or the gateway died): it exits with status 0.
 *
 * <p>What {@code LOAD} changes, and what it cannot:
 * <ul>
 *   <li>user: when Hostel runs as root the spare starts as root with only the capabilities to change its ids
 *       ({@code setpriv}, {@code no_new_privs}), runs Hostel's own rehearsal only, and becomes the site's user
 *       first thing on {@code LOAD} ({@link UserSwitch}), so that one spare serves any site of its ceiling;</li>
 *   <li>output: the gateway reads the spare's stderr and moves it from the pool's log to the site's when it sends
 *       {@code LOAD}; the runner, which runs as the site's user, never opens a log itself;</li>
 *   <li>environment: the site's {@code env} is added to {@code os.environ}, which Jython's {@code os.putenv}
 *       passes on to the C environment and its {@code subprocess} to child processes. The JVM's own environment
 *       ({@code System.getenv()}) is fixed at start, so a variable the JVM or the C library reads when it starts
 *       ({@code TZ}, {@code LANG}, {@code JAVA_TOOL_OPTIONS} ...) would not take effect: the gateway does not hand
 *       such a site to a spare;</li>
 *   <li>working directory: a normal runner starts in the site's root; Python's {@code os.chdir} to it gives the
 *       app the same relative paths (Jython keeps its own working directory), Java's stays {@code /}.</li>
 * </ul>
 */
final class SpareRunner {
    static final String FLAG = "--spare";
    /** {@code --preload=a,b,c}: standard modules to import before the spare is claimed ({@link StandardModules}). */
    static final String PRELOAD = "--preload=";
    static final String SPARE_LINE = "HOSTEL-SPARE";
    /** The LOAD line is a few hundred bytes; a bound keeps a confused writer from filling the heap. */
    private static final int MAX_LOAD_LINE = 1 << 20;

    private final List<String> preload;
    private RunnerServer.Transport transport;
    private EventLoopGroup group;

    private SpareRunner(List<String> preload) {
        this.preload = preload;
    }

    /** Whether the command line asks for a spare: {@code --spare [--preload=a,b,c]}. */
    static boolean requested(String[] args) {
        return args.length >= 1 && FLAG.equals(args[0])
                && (args.length == 1 || args.length == 2 && args[1].startsWith(PRELOAD));
    }

    /** A spare, waiting for {@link #prepare}; {@code args} is a command line {@link #requested} accepted. */
    static SpareRunner install(String[] args) {
        return new SpareRunner(args.length == 2 ? StandardModules.parse(args[1].substring(PRELOAD.length()))
                : List.of());
    }

    /** Boots what does not depend on the site, then tells the gateway on {@code out} that the spare is ready. */
    void prepare(PrintStream out) {
        long started = System.nanoTime();
        PySystemState state = JythonApp.interpreter();
        Py.setSystemState(state);
        WarmUp.run(Path.of(System.getProperty("java.io.tmpdir")));
        if (!preload.isEmpty()) {
            long before = System.nanoTime();
            int imported = StandardModules.preload(preload);
            // The imports' garbage, collected while the spare waits (off any request's path): with SerialGC and
            // -XX:-ShrinkHeapInSteps the heap then shrinks to what the modules keep (IdleTrim does the same for an
            // idle site). Measured with it: BENCHMARKS.md, "Warm spares".
            System.gc();
            Log.info("spare runner preloaded " + imported + " of " + preload.size() + " standard modules that"
                    + " sites of its ceiling imported last time, in " + (System.nanoTime() - before) / 1_000_000
                    + " ms");
        }
        transport = RunnerServer.Transport.best();
        group = RunnerServer.newEventLoopGroup(transport);
        long pid = ProcessHandle.current().pid();
        // Logged before the line that lets a site claim it: after, it could land in that site's log.
        Log.info("spare runner (pid " + pid + ") ready in " + (System.nanoTime() - started) / 1_000_000
                + " ms after the JVM; waiting for LOAD");
        out.println(SPARE_LINE + " " + pid);
        out.flush();
    }

    /**
     * Waits for the {@code LOAD} line and applies it: {@code os.environ}, working directory.
     *
     * @return the site's options, or empty when stdin ended first
     * @throws IllegalArgumentException when the line is not a valid {@code LOAD}
     */
    Optional<RunnerOptions> awaitLoad(InputStream stdin) {
        Optional<String> line = readLine(stdin);
        if (line.isEmpty()) {
            return Optional.empty();
        }
        long started = System.nanoTime();
        LoadCommand load = LoadCommand.parse(line.get());
        RunnerOptions options = load.options();
        Log.site(options.site());
        becomeSiteUser(load);
        applyEnvironment(load.env(), options.root());
        StandardModules.adopted();
        Log.info("spare runner (pid " + ProcessHandle.current().pid() + ") claimed for this site; loading "
                + options.app() + " (" + (System.nanoTime() - started) / 1_000_000 + " ms to adopt it)");
        return Optional.of(options);
    }

    /**
     * A privileged spare (Hostel runs as root) becomes the site's user here, before the site's folder or code is
     * touched; a spare running as root that is given no user refuses to go on, as one whose switch cannot be
     * verified does (the caller exits).
     *
     * @throws IllegalStateException when the runner must not serve the site
     */
    private static void becomeSiteUser(LoadCommand load) {
        if (load.user().isPresent()) {
            UserSwitch user = load.user().get();
            user.apply();
            Log.info("spare runner now runs as uid " + user.uid() + ", gid " + user.gid()
                    + " (no supplementary groups, no capabilities)");
        } else if (UserSwitch.effectiveUid() == 0) {
            throw new IllegalStateException("refusing to serve a site as root: LOAD named no user to become");
        }
    }

    RunnerServer.Transport transport() {
        return transport;
    }

    /** The event loop created while waiting; the server takes it over (and shuts it down). */
    EventLoopGroup group() {
        return group;
    }

    /** One line, byte by byte: nothing after it may be taken from stdin, which then tells when the gateway dies. */
    private static Optional<String> readLine(InputStream stdin) {
        ByteArrayOutputStream line = new ByteArrayOutputStream();
        try {
            int b;
            while ((b = stdin.read()) != '\n') {
                if (b < 0) {
                    return Optional.empty();
                }
                if (line.size() >= MAX_LOAD_LINE) {
                    throw new IllegalArgumentException("LOAD line longer than " + MAX_LOAD_LINE + " bytes");
                }
                line.write(b);
            }
        } catch (IOException e) {
            Log.info("cannot read stdin (" + e + "); treating the gateway as gone");
            return Optional.empty();
        }
        return Optional.of(line.toString(StandardCharsets.UTF_8));
    }

    /** {@code os.environ.update(env)} and {@code os.chdir(root)}, as a runner started for the site would have. */
    private static void applyEnvironment(Map<String, String> env, Path root) {
        PyObject os = imp.importName("os", false);
        PyObject environ = os.__getattr__("environ");
        for (Map.Entry<String, String> e : env.entrySet()) {
            environ.__setitem__(Py.newStringOrUnicode(e.getKey()), Py.newStringOrUnicode(e.getValue()));
        }
        if (Files.isDirectory(root)) {
            // A missing root is JythonApp.load's to report, with its hint.
            os.invoke("chdir", Py.newStringOrUnicode(root.toString()));
        }
    }
}
