package dev.hostel.gateway.config;

import static java.util.Objects.requireNonNull;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Collections;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;
import org.tomlj.Toml;

/**
 * One site, from {@code sites.d/NAME.toml} or the admin API, validated; see {@link
 * ConfigLoader#parseSite} and {@link ConfigLoader#parseSiteJson}. All paths are absolute and
 * normalized.
 *
 * @param name the site's name: the file name without {@code .toml} unless the key {@code name} is
 *     set; matches {@code [a-z0-9][a-z0-9_.-]*}, at most 64 characters
 * @param sourceFile the file it was read from, or null when it came from the admin API
 * @param hosts (key {@code hosts}, required) lower-case DNS names and {@code *.suffix} wildcards,
 *     no port, no trailing dot, no duplicates, not empty
 * @param app (key {@code app}, required) {@code module.path:callable}, like gunicorn
 * @param root (key {@code root}) the site's directory, put first on {@code sys.path}; relative to
 *     the prefix; an existing directory. Without the key, the site's code comes by release and this
 *     is the link to its current release (see {@link ReleaseSettings}), which need not exist yet
 * @param pythonPath (key {@code python_path}) more {@code sys.path} entries, relative to the root;
 *     they need not exist
 * @param isDefault (key {@code default}) whether this site gets the requests whose host matches no
 *     other site; at most one site is the default
 * @param memory (key {@code memory}, default 128M, at least 48M) the ceiling of a runner process: the
 *     limit of its memory cgroup (what the kernel charges it, page cache included, which the kernel
 *     reclaims before it kills), in bytes
 * @param memoryReserve (key {@code memory_reserve}, default equal to {@code memory}, at least 16M and
 *     at most {@code memory}) what each runner reserves in the instance budget, as a Kubernetes
 *     request: the budget admits runners by their reservations, the kernel enforces the ceilings
 * @param processes (key {@code processes}, default 1, 1..64) runner processes for this site
 * @param threads (key {@code threads}, default 8, 1..512) WSGI worker threads per process
 * @param idleTimeout (key {@code idle_timeout}, default 0) stop the site after this long without
 *     requests and start it on demand; {@link Duration#ZERO} means always running
 * @param requestTimeout (key {@code request_timeout}, default 60s, more than 0) a request running
 *     longer gets 504 and its runner is replaced
 * @param startTimeout (key {@code start_timeout}, default 120s, more than 0) how long a runner may
 *     take from launch to ready: requests wait that long for it, and a change is given up after it
 * @param maxRequests (key {@code max_requests}, default 0) recycle a runner after this many
 *     requests; 0 means never
 * @param maxBody (key {@code max_body}, default 10M) the largest request body in bytes, 413 above
 *     it; 0 means no limit (as nginx's {@code client_max_body_size 0})
 * @param env (key {@code env}) extra environment variables of the runner ({@code os.environ})
 * @param staticAliases (key {@code static}) URL prefix (starting and ending with {@code /}) to an
 *     existing folder (relative to the root) served from disk; iterated longest prefix first, so
 *     the first prefix that matches a path is the right one
 * @param releases (keys {@code keep_releases}, {@code disk}) whether the code comes by release, and
 *     how many releases and how much disk it may keep
 * @param user (key {@code user}) the user the site's runners run as, a name or a uid, never root;
 *     null when not set (Hostel then picks one, see README "Security: sites are strangers")
 * @param group (key {@code group}) the runners' group, a name or a gid, never root; null when not
 *     set (the user's primary group, or the dynamic user's own)
 */
public record SiteConfig(
        String name,
        Path sourceFile,
        List<String> hosts,
        String app,
        Path root,
        List<Path> pythonPath,
        boolean isDefault,
        long memory,
        long memoryReserve,
        int processes,
        int threads,
        Duration idleTimeout,
        Duration requestTimeout,
        Duration startTimeout,
        long maxRequests,
        long maxBody,
        Map<String, String> env,
        Map<String, Path> staticAliases,
        String user,
        String group,
        ReleaseSettings releases) {

    /** {@code memory} when not set: 128M. */
    public static final long DEFAULT_MEMORY = 128L << 20;

    /** The smallest {@code memory}: a JVM with Jython loaded does not start in less. */
    public static final long MIN_MEMORY = 48L << 20;

    /** The smallest {@code memory_reserve}. */
    public static final long MIN_MEMORY_RESERVE = 16L << 20;

    public static final int DEFAULT_PROCESSES = 1;
    public static final int MAX_PROCESSES = 64;
    public static final int DEFAULT_THREADS = 8;
    public static final int MAX_THREADS = 512;
    public static final Duration DEFAULT_IDLE_TIMEOUT = Duration.ZERO;
    public static final Duration DEFAULT_REQUEST_TIMEOUT = Duration.ofSeconds(60);

    /**
     * {@code start_timeout} when not set: a Django project took 7-40 s from launch to ready on a busy
     * 2-core machine, so the default leaves framework sites room rather than failing their changes.
     */
    public static final Duration DEFAULT_START_TIMEOUT = Duration.ofSeconds(120);
    public static final long DEFAULT_MAX_REQUESTS = 0;

    /** {@code max_body} when not set: 10M. */
    public static final long DEFAULT_MAX_BODY = 10L << 20;

    /** Orders URL prefixes longest first, then alphabetically. */
    private static final Comparator<String> LONGEST_FIRST =
            Comparator.comparingInt(String::length)
                    .reversed()
                    .thenComparing(Comparator.naturalOrder());

    public SiteConfig {
        requireNonNull(name, "name");
        hosts = List.copyOf(hosts);
        requireNonNull(app, "app");
        requireNonNull(root, "root");
        requireNonNull(releases, "releases");
        pythonPath = List.copyOf(pythonPath);
        requireNonNull(idleTimeout, "idleTimeout");
        requireNonNull(requestTimeout, "requestTimeout");
        requireNonNull(startTimeout, "startTimeout");
        env = Map.copyOf(env);
        Map<String, Path> sorted = new TreeMap<>(LONGEST_FIRST);
        sorted.putAll(staticAliases);
        staticAliases = Collections.unmodifiableMap(new LinkedHashMap<>(sorted));
    }

    /**
     * This site with its code at {@code codeRoot}: {@code root}, and the {@code python_path} entries below it,
     * moved there ({@code static} folders follow the link at each lookup instead). A runner of a site whose code comes by release is started
     * with the release the {@code current} link names at that moment, so that a later switch never mixes two
     * releases in one process.
     */
    public SiteConfig withCodeAt(Path codeRoot) {
        return new SiteConfig(name, sourceFile, hosts, app, codeRoot,
                pythonPath.stream().map(p -> moved(p, codeRoot)).toList(), isDefault, memory, memoryReserve, processes, threads,
                idleTimeout, requestTimeout, startTimeout, maxRequests, maxBody, env, staticAliases, user, group,
                releases);
    }

    /**
     * Why this site cannot run yet, or null when it can: its code comes by release and none has been deployed (its
     * {@code current} link does not exist). Read from the disk at each call: a deploy changes the answer.
     */
    public String missingRelease() {
        if (!releases.fromReleases() || Files.isDirectory(root)) {
            return null;
        }
        return "site " + name + " has no release yet: deploy one with `hostel ctl deploy " + name + " SOURCE`";
    }

    private Path moved(Path p, Path codeRoot) {
        return p.startsWith(root) ? codeRoot.resolve(root.relativize(p)) : p;
    }

    /**
     * Whether {@code other} runs the same runners as this site: it differs at most in keys that only the
     * gateway reads ({@code hosts}, {@code default}, {@code static}, {@code max_body}, {@code
     * request_timeout}, {@code start_timeout}, {@code idle_timeout}, and the file it came from), so
     * that a change to it can be applied without restarting a runner.
     */
    public boolean sameRunnersAs(SiteConfig other) {
        return name.equals(other.name)
                && app.equals(other.app)
                && root.equals(other.root)
                && pythonPath.equals(other.pythonPath)
                && memory == other.memory
                && memoryReserve == other.memoryReserve
                && processes == other.processes
                && threads == other.threads
                && maxRequests == other.maxRequests
                && env.equals(other.env)
                && Objects.equals(user, other.user)
                && Objects.equals(group, other.group);
    }

    /** Same as {@link #toToml(Path) toToml(null)}: paths are printed absolute. */
    public String toToml() {
        return toToml(null);
    }

    /**
     * Prints this site as a site file that {@link ConfigLoader#parseSite} reads back into an equal
     * record (given the same prefix and source file). Keys that have their default value are left
     * out, except {@code name}, which is always written. {@code root} is written relative to {@code
     * prefix} when it lies below it; {@code python_path} and {@code static} folders relative to the
     * root when they lie below it.
     *
     * @param prefix the prefix the file will be read with, or null to print {@code root} absolute
     */
    public String toToml(Path prefix) {
        StringBuilder b = new StringBuilder();
        b.append("name = ").append(str(name)).append('\n');
        b.append("hosts = [")
                .append(String.join(", ", hosts.stream().map(SiteConfig::str).toList()))
                .append("]\n");
        b.append("app = ").append(str(app)).append('\n');
        if (!releases.fromReleases()) {
            b.append("root = ")
                    .append(
                            str(
                                    relative(
                                            prefix == null
                                                    ? null
                                                    : prefix.toAbsolutePath().normalize(),
                                            root)))
                    .append('\n');
        }
        if (!pythonPath.isEmpty()) {
            b.append("python_path = [")
                    .append(
                            String.join(
                                    ", ",
                                    pythonPath.stream().map(p -> str(relative(root, p))).toList()))
                    .append("]\n");
        }
        if (isDefault) {
            b.append("default = true\n");
        }
        if (memory != DEFAULT_MEMORY) {
            b.append("memory = ").append(str(Units.formatSize(memory))).append('\n');
        }
        if (memoryReserve != memory) {
            b.append("memory_reserve = ").append(str(Units.formatSize(memoryReserve))).append('\n');
        }
        if (processes != DEFAULT_PROCESSES) {
            b.append("processes = ").append(processes).append('\n');
        }
        if (threads != DEFAULT_THREADS) {
            b.append("threads = ").append(threads).append('\n');
        }
        if (!idleTimeout.equals(DEFAULT_IDLE_TIMEOUT)) {
            b.append("idle_timeout = ").append(str(Units.formatDuration(idleTimeout))).append('\n');
        }
        if (!requestTimeout.equals(DEFAULT_REQUEST_TIMEOUT)) {
            b.append("request_timeout = ")
                    .append(str(Units.formatDuration(requestTimeout)))
                    .append('\n');
        }
        if (!startTimeout.equals(DEFAULT_START_TIMEOUT)) {
            b.append("start_timeout = ")
                    .append(str(Units.formatDuration(startTimeout)))
                    .append('\n');
        }
        if (maxRequests != DEFAULT_MAX_REQUESTS) {
            b.append("max_requests = ").append(maxRequests).append('\n');
        }
        if (maxBody != DEFAULT_MAX_BODY) {
            b.append("max_body = ").append(str(Units.formatSize(maxBody))).append('\n');
        }
        if (!env.isEmpty()) {
            b.append("env = { ");
            b.append(
                    String.join(
                            ", ",
                            new TreeMap<>(env)
                                    .entrySet().stream()
                                            .map(e -> key(e.getKey()) + " = " + str(e.getValue()))
                                            .toList()));
            b.append(" }\n");
        }
        if (!staticAliases.isEmpty()) {
            b.append("static = { ");
            b.append(
                    String.join(
                            ", ",
                            staticAliases.entrySet().stream()
                                    .map(
                                            e ->
                                                    key(e.getKey())
                                                            + " = "
                                                            + str(relative(root, e.getValue())))
                                    .toList()));
            b.append(" }\n");
        }
        if (releases.keep() != ReleaseSettings.DEFAULT_KEEP) {
            b.append("keep_releases = ").append(releases.keep()).append('\n');
        }
        if (releases.disk() != 0) {
            b.append("disk = ").append(str(Units.formatSize(releases.disk()))).append('\n');
        }
        if (user != null) {
            b.append("user = ").append(str(user)).append('\n');
        }
        if (group != null) {
            b.append("group = ").append(str(group)).append('\n');
        }
        return b.toString();
    }

    private static String relative(Path base, Path p) {
        if (base == null || !p.startsWith(base)) {
            return p.toString();
        }
        String rel = base.relativize(p).toString();
        return rel.isEmpty() ? "." : rel;
    }

    private static String str(String s) {
        return "\"" + Toml.tomlEscape(s) + "\"";
    }

    private static String key(String k) {
        return Toml.joinKeyPath(List.of(k));
    }
}
