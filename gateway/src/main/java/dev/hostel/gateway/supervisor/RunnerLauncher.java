package dev.hostel.gateway.supervisor;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.hostel.gateway.config.SiteConfig;

import java.io.File;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.logging.Logger;

/**
 * Builds the command line and environment of a runner process, starts it inside its memory ceiling, and tells
 * afterwards why it ended.
 *
 * <p>The runner is {@code dev.hostel.runner.RunnerMain} from the {@code site-runner} module, started with the
 * same {@code java} as the gateway and the flags {@link JvmFlags} derives from the site's ceiling, plus the shared
 * {@link CdsArchive} and the unpacked {@link JythonHome} once they exist. Where {@link MemoryCgroups} could create
 * memory cgroups, the runner is started as {@code /bin/sh -c 'echo $$ > CGROUP/cgroup.procs; exec java ...'} so
 * that it is inside its cgroup before the JVM allocates anything; {@link MemoryWatch} reads its memory either way.
 * Its stderr goes straight to the site's log; its stdout is a pipe the gateway reads for the {@code HOSTEL-READY}
 * line (the JVM's own warnings are sent to stderr so that they cannot get in the way); its stdin is a pipe the
 * gateway never writes, so that the runner sees end-of-file and exits when the gateway dies.
 *
 * <p>When a runner's process ends, the launcher works out why ({@link #exited}), removes its cgroup, logs a runner
 * killed for memory in the operator's words and counts it in {@link #events()} as {@code kill / memory}.
 */
public final class RunnerLauncher implements AutoCloseable {
    private static final Logger LOG = Logger.getLogger(RunnerLauncher.class.getName());
    private static final String MAIN_CLASS = "dev.hostel.runner.RunnerMain";
    private static final ObjectMapper JSON = new ObjectMapper();
    /** The runner's status when {@code -XX:+ExitOnOutOfMemoryError} ends it. */
    static final int EXIT_OUT_OF_MEMORY = 3;
    /** The runner's status when the site's app cannot be imported (EX_CONFIG). */
    static final int EXIT_APP_FAILED = 78;
    /** How long what is known about an exited runner is kept for {@link #exited}. */
    private static final long FORGET_AFTER_SECONDS = 60;

    /** What is known about one launched runner process until a while after it exited. */
    private static final class Launched {
        final SiteConfig site;
        final int index;
        final Path socket;
        final Optional<RunnerCgroup> cgroup;
        private RunnerExit exit;

        Launched(SiteConfig site, int index, Path socket, Optional<RunnerCgroup> cgroup) {
            this.site = site;
            this.index = index;
            this.socket = socket;
            this.cgroup = cgroup;
        }
    }

    private final Path javaExecutable;
    private final Path runnerTarget;
    private final String classpath;
    private final Path runDir;
    private final Path logDir;
    private final MemoryCgroups cgroups;
    private final MemoryWatch watch;
    private final CdsArchive cds;
    private volatile Optional<Path> jythonHome = Optional.empty();
    private final RunnerEvents events = new RunnerEvents();
    private final Map<Path, Integer> indexBySocket = new ConcurrentHashMap<>();
    private final Map<Long, Launched> launched = new ConcurrentHashMap<>();
    private final Thread preparation;

    /**
     * Detects how memory ceilings can be enforced on this machine (and logs it), and starts preparing the shared
     * class-data archive and Jython's unpacked library in the background.
     *
     * @param runnerHome the Hostel installation, whose {@code site-runner/target} holds the runner's jar and libs
     * @param runDir     where the runners' Unix sockets are created
     * @param logDir     where each site's log file is written
     */
    public RunnerLauncher(Path runnerHome, Path runDir, Path logDir) {
        this(runnerHome, runDir, logDir, MemoryCgroups.detect());
    }

    RunnerLauncher(Path runnerHome, Path runDir, Path logDir, MemoryCgroups cgroups) {
        this.javaExecutable = Path.of(System.getProperty("java.home"), "bin", "java");
        this.runnerTarget = runnerHome.resolve("site-runner").resolve("target");
        this.classpath = runnerClasspath(runnerTarget);
        this.runDir = Objects.requireNonNull(runDir);
        this.logDir = Objects.requireNonNull(logDir);
        this.cgroups = cgroups;
        this.watch = new MemoryWatch(this::memoryOf, cgroups.mode() == MemoryCgroups.Mode.NONE).start();
        this.cds = CdsArchive.in(cacheDir().resolve("cds"), javaExecutable, classpath);
        this.preparation = new Thread(this::prepare, "runner-preparation");
        preparation.setDaemon(true);
        preparation.start();
    }

    private static String runnerClasspath(Path target) {
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

    /**
     * Where what is derived from the runner's jars is kept: next to them, so that one build serves every Hostel
     * started from it and a rebuild starts afresh; beside the runners' sockets where the installation is read-only.
     */
    private Path cacheDir() {
        return Files.isWritable(runnerTarget) ? runnerTarget : runDir.resolveSibling("cache");
    }

    private void prepare() {
        jythonHome = JythonHome.prepare(runnerTarget.resolve("lib"), cacheDir().resolve("jython"));
        cds.create((extraFlags, root, socket) -> command("cds-training", "cds_training:application", root,
                List.of(), 2, 128L << 20, socket, extraFlags));
    }

    public Path logFile(SiteConfig site) {
        return logDir.resolve(site.name() + ".log");
    }

    /** How the ceilings are enforced on this machine. */
    public MemoryCgroups cgroups() {
        return cgroups;
    }

    /**
     * The memory of runner {@code pid} as the kernel charges it: the working set of its memory cgroup (what the
     * cgroup is charged less its inactive file pages), or its PSS where it has no cgroup; -1 when it is gone.
     * Never RSS, which counts in full the pages runners share (the class-data archive, {@code libjvm.so}).
     */
    public long memoryOf(long pid) {
        Launched l = launched.get(pid);
        long bytes = l == null ? -1 : l.cgroup.map(RunnerCgroup::workingSetBytes).orElse(-1L);
        return bytes >= 0 ? bytes : ProcessMemory.pssBytes(pid);
    }

    /** What {@link #memoryOf} measures on this machine: {@code cgroup_working_set}, or {@code pss} without cgroups. */
    public String memoryMeasure() {
        return cgroups.mode() == MemoryCgroups.Mode.NONE ? "pss" : "cgroup_working_set";
    }

    /** The memory watch, where the supervisor registers its graceful recycle ({@link MemoryWatch#onSoftLimit}). */
    public MemoryWatch memoryWatch() {
        return watch;
    }

    /** Runners killed for memory, as {@code (site, "kill", "memory")}; the supervisor may count into it too. */
    public RunnerEvents events() {
        return events;
    }

    /** The class-data archive's path, and whether it is ready, for the benchmark and the logs. */
    Path cdsArchive() {
        return cds.path();
    }

    /** Whether the class-data archive and Jython's unpacked library are done with (made, or given up). */
    boolean prepared() {
        return !preparation.isAlive();
    }

    /** Waits (at most {@code seconds}) for the class-data archive and the unpacked library; for tests and benchmarks. */
    public boolean awaitPrepared(long seconds) throws InterruptedException {
        preparation.join(TimeUnit.SECONDS.toMillis(seconds));
        return cds.ready();
    }

    /** The socket path of a runner; Unix socket paths are limited to 107 bytes, so this is checked here. */
    public Path socketFor(SiteConfig site, int index, long generation) {
        Path socket = runDir.resolve(site.name() + "." + index + "." + generation + ".sock");
        if (socket.toString().getBytes().length > 107) {
            throw new IllegalStateException("runner socket path too long for a Unix socket (max 107 bytes): "
                    + socket + "; put admin_socket in a shorter directory");
        }
        indexBySocket.put(socket, index);
        return socket;
    }

    List<String> command(SiteConfig site, Path socket) {
        return command(site.name(), site.app(), site.root(), site.pythonPath(), site.threads(), site.memory(),
                socket, List.of());
    }

    private List<String> command(String name, String app, Path root, List<Path> pythonPath, int threads,
                                 long ceiling, Path socket, List<String> extraFlags) {
        List<String> cmd = jvm(ceiling, extraFlags);
        cmd.add("--site");
        cmd.add(name);
        cmd.add("--socket");
        cmd.add(socket.toString());
        cmd.add("--app");
        cmd.add(app);
        cmd.add("--root");
        cmd.add(root.toString());
        for (Path p : pythonPath) {
            cmd.add("--python-path");
            cmd.add(p.toString());
        }
        cmd.add("--threads");
        cmd.add(Integer.toString(threads));
        return cmd;
    }

    /** {@code java}, the flags of a runner of {@code ceiling}, and the main class: a runner's command but its options. */
    private List<String> jvm(long ceiling, List<String> extraFlags) {
        List<String> cmd = new ArrayList<>();
        cmd.add(javaExecutable.toString());
        cmd.addAll(JvmFlags.forCeiling(ceiling));
        // stdout carries the READY line only: the JVM's warnings (CDS ones, say) go to the site's log.
        cmd.add("-Xlog:disable");
        cmd.add("-Xlog:all=warning:stderr");
        cmd.addAll(cds.flags());
        jythonHome.ifPresent(home -> cmd.add("-Dpython.home=" + home));
        cmd.addAll(extraFlags);
        cmd.add("-cp");
        cmd.add(classpath);
        cmd.add(MAIN_CLASS);
        return cmd;
    }

    /** The command of a spare runner for sites of {@code ceiling}: the same JVM as theirs, no site yet. */
    List<String> spareCommand(long ceiling) {
        List<String> cmd = jvm(ceiling, List.of());
        cmd.add("--spare");
        return cmd;
    }

    /** The runner inside its cgroup: a shell joins the cgroup, then becomes the JVM (same pid). */
    static List<String> inCgroup(RunnerCgroup cgroup, List<String> command) {
        List<String> cmd = new ArrayList<>();
        cmd.add("/bin/sh");
        cmd.add("-c");
        // Should the cgroup refuse us, the runner still starts: the memory watch (PSS) is the fallback, and the log says so.
        cmd.add("echo $$ > \"$0\" || echo \"hostel: cannot join the memory cgroup $0\" >&2; exec \"$@\"");
        cmd.add(cgroup.procs().toString());
        cmd.addAll(command);
        return cmd;
    }

    /** Starts a runner of {@code site} listening on {@code socket}, inside its memory ceiling. */
    Process launch(SiteConfig site, Path socket) throws IOException {
        Files.createDirectories(runDir);
        Files.createDirectories(logDir);
        Files.deleteIfExists(socket);
        String name = socket.getFileName().toString().replaceAll("\\.sock$", "");
        Optional<RunnerCgroup> cgroup = cgroups.create(name, site.memory());
        List<String> command = command(site, socket);
        ProcessBuilder pb = new ProcessBuilder(cgroup.map(c -> inCgroup(c, command)).orElse(command));
        pb.directory(site.root().toFile());
        // Fewer malloc arenas: glibc's default (8 per core) holds a few MB of RSS per runner for nothing.
        pb.environment().put("MALLOC_ARENA_MAX", "2");
        pb.environment().putAll(site.env());
        pb.redirectInput(ProcessBuilder.Redirect.PIPE);
        pb.redirectOutput(ProcessBuilder.Redirect.PIPE);
        pb.redirectError(ProcessBuilder.Redirect.appendTo(logFile(site).toFile()));
        Process process;
        try {
            process = pb.start();
        } catch (IOException | RuntimeException e) {
            cgroup.ifPresent(RunnerCgroup::remove);
            throw e;
        }
        int index = Optional.ofNullable(indexBySocket.remove(socket)).orElse(0);
        launched.put(process.pid(), new Launched(site, index, socket, cgroup));
        watch.watch(site.name(), index, process, site.memory());
        // Classified here too, so that the cgroup is removed and a memory kill counted whoever else is told.
        process.onExit().thenAccept(p -> exited(p.pid(), p.exitValue()));
        return process;
    }

    /**
     * Starts a spare runner ({@code RunnerMain --spare}) for sites of {@code ceiling}: inside its own memory cgroup
     * of that ceiling, with the JVM flags, class-data archive and Jython home such a site's runner gets, in
     * {@code /} (it has no site yet), its stderr appended to {@code _spares.log} in the log directory.
     *
     * @param name unique among the runners' cgroups, e.g. {@code _spare-3}
     */
    SpareProcess startSpare(String name, long ceiling) throws IOException {
        Files.createDirectories(logDir);
        Optional<RunnerCgroup> cgroup = cgroups.create(name, ceiling);
        List<String> command = spareCommand(ceiling);
        ProcessBuilder pb = new ProcessBuilder(cgroup.map(c -> inCgroup(c, command)).orElse(command));
        pb.directory(Path.of("/").toFile());
        pb.environment().put("MALLOC_ARENA_MAX", "2");
        pb.redirectInput(ProcessBuilder.Redirect.PIPE);
        pb.redirectOutput(ProcessBuilder.Redirect.PIPE);
        pb.redirectError(ProcessBuilder.Redirect.appendTo(sparesLog().toFile()));
        try {
            return new SpareProcess(ceiling, pb.start(), cgroup).watch();
        } catch (IOException | RuntimeException e) {
            cgroup.ifPresent(RunnerCgroup::remove);
            throw e;
        }
    }

    /** Where spare runners write until a site claims them (and the JVM's own warnings after, see SpareRunner). */
    Path sparesLog() {
        return logDir.resolve("_spares.log");
    }

    /**
     * Makes a claimed spare the runner of {@code site} on {@code socket}: sends it the {@code LOAD} line, and from
     * then on treats it as a runner this launcher started (its cgroup, its memory watch, the classification of its
     * exit). Its stdout's next line is {@code HOSTEL-READY}, as for a runner started for the site.
     */
    Process adopt(SiteConfig site, Path socket, SpareProcess spare) throws IOException {
        Files.createDirectories(runDir);
        Files.deleteIfExists(socket);
        Process process = spare.process();
        try {
            OutputStream stdin = process.getOutputStream();
            stdin.write(loadLine(site, socket).getBytes(StandardCharsets.UTF_8));
            stdin.flush();
        } catch (IOException e) {
            process.destroyForcibly();
            spare.cgroup().ifPresent(RunnerCgroup::remove);
            throw new IOException("cannot hand " + spare + " to site " + site.name() + ": " + e.getMessage(), e);
        }
        int index = Optional.ofNullable(indexBySocket.remove(socket)).orElse(0);
        launched.put(process.pid(), new Launched(site, index, socket, spare.cgroup()));
        watch.watch(site.name(), index, process, site.memory());
        process.onExit().thenAccept(p -> exited(p.pid(), p.exitValue()));
        return process;
    }

    /** {@code LOAD <json>}: the site's options as a runner's command line has them, its env and its log. */
    String loadLine(SiteConfig site, Path socket) {
        Map<String, Object> load = new LinkedHashMap<>();
        load.put("site", site.name());
        load.put("socket", socket.toString());
        load.put("app", site.app());
        load.put("root", site.root().toString());
        load.put("python_path", site.pythonPath().stream().map(Path::toString).toList());
        load.put("threads", site.threads());
        load.put("env", site.env());
        load.put("log", logFile(site).toAbsolutePath().toString());
        try {
            return "LOAD " + JSON.writeValueAsString(load) + "\n";
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("cannot write the LOAD line of site " + site.name(), e);
        }
    }

    /**
     * Why {@code runner} ended with {@code status}; removes its cgroup. Called by the supervisor when the runner
     * has exited; safe to call more than once (the answer is worked out once). A runner over its ceiling is logged
     * here ("site blog: runner 1 (pid 4123) over its 128 MB ceiling ...") and counted as {@code kill / memory}.
     */
    public RunnerExit exited(RunnerProcess runner, int status) {
        return exited(runner.pid(), status);
    }

    RunnerExit exited(long pid, int status) {
        Launched l = launched.get(pid);
        if (l == null) {
            return classify(-1, status, false, false);
        }
        synchronized (l) {
            if (l.exit == null) {
                boolean cgroupOom = l.cgroup.map(c -> c.oomKills() > 0).orElse(false);
                l.cgroup.ifPresent(RunnerCgroup::remove);
                long killedAt = watch.killedAt(pid);
                // Only a runner that listened can have run out of memory serving; one that never did has a
                // broken app (status 3 was its import failure before the runner moved that to 78).
                boolean listened = Files.exists(l.socket);
                l.exit = classify(killedAt, status, cgroupOom, listened);
                if (l.exit == RunnerExit.MEMORY) {
                    events.count(l.site.name(), "kill", "memory");
                    if (killedAt < 0) {
                        LOG.warning(() -> "site " + l.site.name() + ": runner " + l.index + " (pid " + pid
                                + ") over its " + MemoryBudget.mb(l.site.memory()) + " ceiling ("
                                + (cgroupOom ? "killed by the kernel in its memory cgroup"
                                : "out of Java heap or metaspace, exited") + "); restarting");
                    }
                }
                CompletableFuture.delayedExecutor(FORGET_AFTER_SECONDS, TimeUnit.SECONDS)
                        .execute(() -> launched.remove(pid));
            }
            return l.exit;
        }
    }

    static RunnerExit classify(long killedAt, int status, boolean cgroupOom, boolean listened) {
        if (killedAt >= 0 || cgroupOom || (status == EXIT_OUT_OF_MEMORY && listened)) {
            return RunnerExit.MEMORY;
        }
        if (status == EXIT_APP_FAILED || status == EXIT_OUT_OF_MEMORY) {
            return RunnerExit.APP_FAILED;
        }
        // 143: SIGTERM, the way the supervisor asks a runner to stop.
        return status == 0 || status == 143 ? RunnerExit.NORMAL : RunnerExit.CRASH;
    }

    /** Stops the memory watch and a training runner; removes Hostel's cgroup. Call after every runner has exited. */
    @Override
    public void close() {
        watch.close();
        cds.stop();
        cgroups.close();
    }
}
