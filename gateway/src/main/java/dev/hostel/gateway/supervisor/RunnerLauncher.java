package dev.hostel.gateway.supervisor;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.hostel.gateway.config.SiteConfig;
import dev.hostel.gateway.releases.Precompiler;

import java.io.File;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
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
 * <p>Each runner runs as its site's user ({@link SiteUsers}): when Hostel is root, the command goes through
 * util-linux's {@code setpriv} (no JNI: the JVM starts as that user, with no capabilities, {@code no_new_privs} and
 * no supplementary groups), after the shell above joined the cgroup as root. A spare runner is the exception: it
 * starts privileged and becomes the user of the site that claims it ({@link #spareUser}). Its environment is the site's
 * {@code env} over a small fixed set ({@link #baseEnvironment}), nothing of the gateway's. Its socket lives in a
 * folder of its own user ({@code runners/UID/}, mode 0700), which no other site's user can enter.
 *
 * <p>When a runner's process ends, the launcher works out why ({@link #exited}), removes its cgroup, logs a runner
 * killed for memory in the operator's words and counts it in {@link #events()} as {@code kill / memory}.
 */
public final class RunnerLauncher implements AutoCloseable {
    private static final Logger LOG = Logger.getLogger(RunnerLauncher.class.getName());
    private static final String MAIN_CLASS = "dev.hostel.runner.RunnerMain";
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

    /**
     * Who a spare runs as when Hostel is root: root itself, but started by {@link #privileged} with no capability
     * other than changing its ids, which it does first thing when a site claims it (to that site's user).
     */
    static final RunAs PRIVILEGED_SPARE = new RunAs(0, 0, "/", "root", false);
    /** Where {@code setpriv} is looked for (util-linux, Essential in Debian: in every Debian image). */
    private static final List<Path> SETPRIV = List.of(Path.of("/usr/bin/setpriv"), Path.of("/bin/setpriv"),
            Path.of("/usr/sbin/setpriv"), Path.of("/sbin/setpriv"));
    /** The {@code PATH} of every runner, whatever the gateway's. */
    static final String RUNNER_PATH = "/usr/local/bin:/usr/bin:/bin";
    /** A runner's files (its socket folder) are its user's alone; a folder on the way to them is passable only. */
    private static final Set<PosixFilePermission> OWNER_ONLY = PosixFilePermissions.fromString("rwx------");
    private static final Set<PosixFilePermission> PASS_THROUGH = PosixFilePermissions.fromString("rwx--x--x");

    private final Path javaExecutable;
    private final Path runnerTarget;
    private final String classpath;
    private final Path runDir;
    private final Path logDir;
    private final MemoryCgroups cgroups;
    private final SiteUsers users;
    private final Optional<Path> setpriv;
    private final MemoryWatch watch;
    private final CdsArchive cds;
    private volatile Optional<Path> jythonHome = Optional.empty();
    private final RunnerEvents events = new RunnerEvents();
    private final SparePreloads preloads = new SparePreloads();
    private final Map<Path, Integer> indexBySocket = new ConcurrentHashMap<>();
    private final Map<Long, Launched> launched = new ConcurrentHashMap<>();
    private final Thread preparation;
    private final SiteCodeCompiler compiler;

    /**
     * Detects how memory ceilings can be enforced on this machine (and logs it), and starts preparing the shared
     * class-data archive and Jython's unpacked library in the background.
     *
     * @param runnerHome the Hostel installation, whose {@code site-runner/target} holds the runner's jar and libs
     * @param runDir     where the runners' Unix sockets are created
     * @param logDir     where each site's log file is written
     */
    public RunnerLauncher(Path runnerHome, Path runDir, Path logDir) {
        this(runnerHome, runDir, logDir, MemoryCgroups.detect(), SiteUsers.forThisProcess());
    }

    RunnerLauncher(Path runnerHome, Path runDir, Path logDir, MemoryCgroups cgroups, SiteUsers users) {
        this.javaExecutable = Path.of(System.getProperty("java.home"), "bin", "java");
        this.runnerTarget = runnerHome.resolve("site-runner").resolve("target");
        this.classpath = runnerClasspath(runnerTarget);
        this.runDir = Objects.requireNonNull(runDir);
        this.logDir = Objects.requireNonNull(logDir);
        this.cgroups = cgroups;
        this.users = users;
        this.setpriv = SETPRIV.stream().filter(Files::isExecutable).findFirst();
        logUsers();
        this.watch = new MemoryWatch(this::memoryOf, cgroups.mode() == MemoryCgroups.Mode.NONE).start();
        this.cds = CdsArchive.in(cacheDir().resolve("cds"), javaExecutable, classpath);
        this.compiler = new SiteCodeCompiler(new Precompiler(runnerTarget.resolve("lib")));
        this.preparation = new Thread(this::prepare, "runner-preparation");
        preparation.setDaemon(true);
        preparation.start();
    }

    private void logUsers() {
        if (!users.switching()) {
            LOG.warning(() -> "Hostel runs as uid " + users.own().uid() + ", not root: every site runs as uid "
                    + users.own().uid() + " too, so a site can signal the other sites' runners, read their"
                    + " environment and files, and use the admin socket (see README, \"Security\")");
        } else if (setpriv.isEmpty()) {
            LOG.severe(() -> "setpriv (util-linux) not found in " + SETPRIV + ": sites cannot run as their own"
                    + " users, so none will start; install util-linux");
        } else {
            LOG.info(() -> "sites run as their own users: `user`/`group` of the site file, else a dynamic uid in "
                    + SiteUsers.DYNAMIC_FIRST + ".." + SiteUsers.DYNAMIC_LAST + " (via " + setpriv.get() + ")");
        }
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
     * started from it and a rebuild starts afresh; also there in a read-only installation that {@code hostel
     * prepare} made it in (a container image); elsewhere beside the runners' sockets.
     */
    private Path cacheDir() {
        boolean prepared = Files.isDirectory(runnerTarget.resolve("cds"));
        return Files.isWritable(runnerTarget) || prepared ? runnerTarget : runDir.resolveSibling("cache");
    }

    private void prepare() {
        jythonHome = JythonHome.prepare(runnerTarget.resolve("lib"), cacheDir().resolve("jython"));
        cds.create((extraFlags, root, socket) -> command("cds-training", "cds_training:application", root,
                List.of(), 2, 128L << 20, socket, extraFlags));
    }


    /** Completes once the modules of {@code site}'s root are compiled ahead, or could not be; never fails. */
    CompletableFuture<Void> compiledAhead(SiteConfig site) {
        return compiler.compiled(site.name(), site.root());
    }

    public Path logFile(SiteConfig site) {
        return logDir.resolve(site.name() + ".log");
    }

    /** Who each site's runners run as. */
    public SiteUsers users() {
        return users;
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
    /** The standard modules each ceiling's runners loaded: what its next spare imports before it is claimed. */
    SparePreloads preloads() {
        return preloads;
    }

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

    /**
     * The socket path of a runner, in the folder of its site's user; Unix socket paths are limited to 107 bytes,
     * so this is checked here.
     */
    public Path socketFor(SiteConfig site, int index, long generation) {
        Path socket = userDir(users.of(site)).resolve(site.name() + "." + index + "." + generation + ".sock");
        if (socket.toString().getBytes().length > 107) {
            throw new IllegalStateException("runner socket path too long for a Unix socket (max 107 bytes): "
                    + socket + "; put admin_socket in a shorter directory");
        }
        indexBySocket.put(socket, index);
        return socket;
    }

    List<String> command(SiteConfig site, Path socket) {
        return command(site.name(), site.app(), site.root(), site.pythonPath(), site.threads(), site.memory(),
                socket, userFlags(users.of(site)));
    }

    /** The runners of {@code who} keep their sockets and import locks here: {@code runners/UID}. */
    private Path userDir(RunAs who) {
        return runDir.resolve(Integer.toString(who.uid()));
    }

    /**
     * Creates the folder of {@code who}'s runners, owned by that user with mode 0700, so that no other site's user
     * can connect to (or replace) their sockets; the gateway, as root, still can. The folders on the way are made
     * passable (0711) but not listable.
     */
    private Path prepareUserDir(RunAs who) throws IOException {
        Path dir = userDir(who);
        Files.createDirectories(dir);
        if (users.switching()) {
            Files.setPosixFilePermissions(runDir, PASS_THROUGH);
            Files.setPosixFilePermissions(runDir.toAbsolutePath().getParent(), PASS_THROUGH);
            requireSearchable(runDir.toAbsolutePath().getParent());
            Files.setAttribute(dir, "unix:uid", who.uid(), LinkOption.NOFOLLOW_LINKS);
            Files.setAttribute(dir, "unix:gid", who.gid(), LinkOption.NOFOLLOW_LINKS);
        }
        Files.setPosixFilePermissions(dir, OWNER_ONLY);
        return dir;
    }

    /** Fails, saying which, when a folder on the way to the runners' sockets is closed to other users. */
    private static void requireSearchable(Path dir) throws IOException {
        for (Path p = dir; p != null; p = p.getParent()) {
            if (!Files.getPosixFilePermissions(p).contains(PosixFilePermission.OTHERS_EXECUTE)) {
                throw new IOException("the sites' users cannot reach their sockets in " + dir + ": " + p
                        + " is closed to other users (chmod o+x " + p + ", or put admin_socket elsewhere)");
            }
        }
    }

    /** The system properties of a runner of {@code who}: whom to serve, where to lock its imports. */
    private List<String> userFlags(RunAs who) {
        return List.of("-Dhostel.gateway.uid=" + users.own().uid(),
                "-Dhostel.import.locks=" + userDir(who).resolve("import-locks"));
    }

    /**
     * The environment of every runner: {@code PATH}, {@code LANG} and {@code TZ} (the gateway's, else
     * {@code C.UTF-8} and none), {@code HOME}, {@code USER} and {@code LOGNAME} of the runner's user, and
     * {@code MALLOC_ARENA_MAX=2}. Nothing else of the gateway's environment reaches a site; the site's {@code env}
     * goes on top.
     */
    static Map<String, String> baseEnvironment(RunAs who, Map<String, String> gateway) {
        Map<String, String> env = new LinkedHashMap<>();
        env.put("PATH", RUNNER_PATH);
        env.put("LANG", gateway.getOrDefault("LANG", "C.UTF-8"));
        if (gateway.containsKey("TZ")) {
            env.put("TZ", gateway.get("TZ"));
        }
        env.put("HOME", who.home());
        env.put("USER", who.name());
        env.put("LOGNAME", who.name());
        // Fewer malloc arenas: glibc's default (8 per core) holds a few MB of RSS per runner for nothing.
        env.put("MALLOC_ARENA_MAX", "2");
        return env;
    }

    /**
     * {@code command} run as {@code who}: through {@code setpriv} when Hostel is root, unchanged otherwise.
     *
     * @throws IOException when a site must not or cannot start as its user (the message says why)
     */
    private List<String> asUser(RunAs who, Optional<String> refusal, List<String> command) throws IOException {
        if (refusal.isPresent()) {
            throw new IOException(refusal.get());
        }
        if (!users.switching()) {
            return command;
        }
        if (who.uid() <= 0 || who.gid() <= 0) {
            throw new IOException("refusing to start a runner as uid " + who.uid() + ", gid " + who.gid());
        }
        if (setpriv.isEmpty()) {
            throw new IOException("setpriv (util-linux) not found: a site must not run as root; install util-linux");
        }
        List<String> cmd = new ArrayList<>(List.of(setpriv.get().toString(),
                "--reuid=" + who.uid(), "--regid=" + who.gid(), "--clear-groups", "--no-new-privs",
                "--inh-caps=-all", "--bounding-set=-all", "--"));
        cmd.addAll(command);
        return cmd;
    }

    /**
     * A log file the gateway writes for a runner: readable by the operator only once sites have users, in a log
     * folder closed to others (0750), so that no site's user reads another's log or access log.
     */
    private Path prepareLog(Path log) throws IOException {
        Files.createDirectories(logDir);
        if (users.switching() && Files.getPosixFilePermissions(logDir).contains(PosixFilePermission.OTHERS_EXECUTE)
                && Files.getAttribute(logDir, "unix:uid").equals(users.own().uid())) {
            Files.setPosixFilePermissions(logDir, PosixFilePermissions.fromString("rwxr-x---"));
        }
        if (users.switching() && !Files.exists(log)) {
            try {
                Files.createFile(log, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
            } catch (FileAlreadyExistsException raced) {
                // another runner of the site made it first
            }
        }
        return log;
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

    /**
     * The user a spare for {@code site} runs as: when Hostel is root, {@link #PRIVILEGED_SPARE}, which any site of
     * its ceiling can claim; otherwise the site's (Hostel's own) user.
     */
    RunAs spareUser(SiteConfig site) {
        return spareUser(users, site);
    }

    static RunAs spareUser(SiteUsers users, SiteConfig site) {
        return users.switching() ? PRIVILEGED_SPARE : users.of(site);
    }

    /** The command of a spare runner for sites of {@code ceiling} and {@code who}: the same JVM as theirs, no site. */
    List<String> spareCommand(long ceiling, RunAs who) {
        List<String> cmd = jvm(ceiling, who == PRIVILEGED_SPARE
                ? List.of("-Dhostel.gateway.uid=" + users.own().uid()) : userFlags(who));
        cmd.add("--spare");
        List<String> preload = preloads.of(ceiling);
        if (!preload.isEmpty()) {
            cmd.add("--preload=" + String.join(",", preload));
        }
        return cmd;
    }

    /**
     * {@code command} as a privileged spare: root, with no supplementary groups, {@code no_new_privs}, and of all
     * capabilities only {@code CAP_SETUID} and {@code CAP_SETGID} (the bounding set), which it needs to become a
     * site's user and loses in doing so.
     */
    private List<String> privileged(List<String> command) throws IOException {
        if (setpriv.isEmpty()) {
            throw new IOException("setpriv (util-linux) not found: a spare must not run with all of root's"
                    + " capabilities; install util-linux");
        }
        List<String> cmd = new ArrayList<>(List.of(setpriv.get().toString(), "--clear-groups", "--no-new-privs",
                "--inh-caps=-all", "--bounding-set=-all,+setuid,+setgid", "--"));
        cmd.addAll(command);
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
    Process launch(SiteConfig configured, Path socket) throws IOException {
        SiteConfig site = withCurrentRelease(configured);
        RunAs who = users.of(site);
        List<String> command = asUser(who, users.refusal(site), command(site, socket));
        prepareUserDir(who);
        Path log = prepareLog(logFile(site));
        Files.deleteIfExists(socket);
        String name = socket.getFileName().toString().replaceAll("\\.sock$", "");
        Optional<RunnerCgroup> cgroup = cgroups.create(name, site.memory());
        ProcessBuilder pb = new ProcessBuilder(cgroup.map(c -> inCgroup(c, command)).orElse(command));
        pb.directory(site.root().toFile());
        pb.environment().clear();
        pb.environment().putAll(baseEnvironment(who, System.getenv()));
        pb.environment().putAll(site.env());
        pb.redirectInput(ProcessBuilder.Redirect.PIPE);
        pb.redirectOutput(ProcessBuilder.Redirect.PIPE);
        pb.redirectError(ProcessBuilder.Redirect.appendTo(log.toFile()));
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
     * Starts a spare runner ({@code RunnerMain --spare}) for sites of {@code ceiling} run by {@code who}: as that
     * user, inside its own memory cgroup of that ceiling, with the JVM flags, class-data archive and Jython home
     * such a site's runner gets, in {@code /} (it has no site yet), its stderr pumped into {@code _spares.log} in
     * the log directory until a site claims it.
     *
     * @param name unique among the runners' cgroups, e.g. {@code _spare-3}
     */
    SpareProcess startSpare(String name, long ceiling, RunAs who) throws IOException {
        List<String> command;
        if (who == PRIVILEGED_SPARE) {
            command = privileged(spareCommand(ceiling, who));
        } else {
            command = asUser(who, Optional.empty(), spareCommand(ceiling, who));
            prepareUserDir(who);
        }
        Path log = prepareLog(sparesLog());
        Optional<RunnerCgroup> cgroup = cgroups.create(name, ceiling);
        ProcessBuilder pb = new ProcessBuilder(cgroup.map(c -> inCgroup(c, command)).orElse(command));
        pb.directory(Path.of("/").toFile());
        pb.environment().clear();
        pb.environment().putAll(baseEnvironment(who, System.getenv()));
        pb.redirectInput(ProcessBuilder.Redirect.PIPE);
        pb.redirectOutput(ProcessBuilder.Redirect.PIPE);
        pb.redirectError(ProcessBuilder.Redirect.PIPE);
        try {
            Process process = pb.start();
            LogPump stderr = LogPump.start(process.getErrorStream(), log, "spare-err-" + process.pid());
            return new SpareProcess(ceiling, who, process, cgroup, stderr).watch();
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
    Process adopt(SiteConfig configured, Path socket, SpareProcess spare) throws IOException {
        SiteConfig site;
        try {
            site = withCurrentRelease(configured);
        } catch (IOException e) {
            // Claimed, so out of the pool: it must not live on unseen.
            spare.process().destroyForcibly();
            spare.cgroup().ifPresent(RunnerCgroup::remove);
            throw e;
        }
        Process process = spare.process();
        try {
            prepareUserDir(users.of(site));
            Files.deleteIfExists(socket);
            spare.stderr().switchTo(prepareLog(logFile(site)));
            OutputStream stdin = process.getOutputStream();
            stdin.write(loadLine(site, socket, spare.who() == PRIVILEGED_SPARE).getBytes(StandardCharsets.UTF_8));
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

    /**
     * A site whose code comes by release, pinned to the release {@code current} names now (see
     * {@link SiteConfig#withCodeAt}); other sites as they are.
     *
     * @throws IOException naming the way out when the site has no release yet
     */
    static SiteConfig withCurrentRelease(SiteConfig site) throws IOException {
        if (!site.releases().fromReleases()) {
            return site;
        }
        String missing = site.missingRelease();
        if (missing != null) {
            throw new IOException(missing);
        }
        return site.withCodeAt(site.root().toRealPath());
    }

    /**
     * {@code LOAD <json>}: the site's options as a runner's command line has them, its env, and for a privileged
     * spare ({@code switchUser}) the user to become, with that user's {@code HOME}, {@code USER} and {@code LOGNAME}
     * under the site's env.
     */
    String loadLine(SiteConfig site, Path socket, boolean switchUser) {
        Map<String, Object> load = new LinkedHashMap<>();
        load.put("site", site.name());
        load.put("socket", socket.toString());
        load.put("app", site.app());
        load.put("root", site.root().toString());
        load.put("python_path", site.pythonPath().stream().map(Path::toString).toList());
        load.put("threads", site.threads());
        if (switchUser) {
            RunAs who = users.of(site);
            Map<String, String> env = new LinkedHashMap<>();
            env.put("HOME", who.home());
            env.put("USER", who.name());
            env.put("LOGNAME", who.name());
            env.putAll(site.env());
            load.put("env", env);
            Map<String, Object> user = new LinkedHashMap<>();
            user.put("uid", who.uid());
            user.put("gid", who.gid());
            user.put("name", who.name());
            user.put("home", who.home());
            user.put("import_locks", userDir(who).resolve("import-locks").toString());
            load.put("user", user);
        } else {
            load.put("env", site.env());
        }
        try {
            return "LOAD " + Json.MAPPER.writeValueAsString(load) + "\n";
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
        compiler.close();
        cgroups.close();
    }

    /**
     * Jackson's databind, made when the first spare is claimed rather than at start: its few hundred classes are
     * metaspace the gateway would otherwise carry from the start (BENCHMARKS.md, "Gateway footprint").
     */
    private static final class Json {
        static final ObjectMapper MAPPER = new ObjectMapper();
    }
}
