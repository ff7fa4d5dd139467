package dev.hostel.gateway.config;

import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Pattern;

/** Validates the keys of one site, from TOML or JSON alike, into a {@link SiteConfig}. */
final class SiteParser {

    static final Set<String> KEYS =
            Set.of(
                    "name",
                    "hosts",
                    "app",
                    "root",
                    "python_path",
                    "default",
                    "memory",
                    "memory_reserve",
                    "processes",
                    "threads",
                    "idle_timeout",
                    "request_timeout",
                    "start_timeout",
                    "max_requests",
                    "max_body",
                    "env",
                    "static",
                    "user",
                    "group",
                    "keep_releases",
                    "disk");

    static final Pattern NAME = Pattern.compile("[a-z0-9][a-z0-9_.-]{0,63}");
    private static final String IDENT = "[A-Za-z_][A-Za-z0-9_]*";
    private static final Pattern APP = Pattern.compile(IDENT + "(\\." + IDENT + ")*:" + IDENT);
    private static final Pattern ENV_NAME = Pattern.compile("[A-Za-z_][A-Za-z0-9_]*");
    private static final Pattern URL_PREFIX =
            Pattern.compile("/([A-Za-z0-9._~!$&'()*+,;=:@%-]+/)*");

    private SiteParser() {}

    /**
     * A valid site with the lines of its keys, for the cross-site checks of {@link
     * ConfigLoader#loadSites}.
     */
    record Parsed(SiteConfig site, KeyTable table) {}

    /**
     * Validates {@code table}; returns the site, or null after adding at least one error to {@code
     * errors}.
     */
    static Parsed parse(
            String defaultName,
            KeyTable table,
            String file,
            Path sourceFile,
            Path prefix,
            List<ConfigError> errors) {
        int before = errors.size();
        Fields f = new Fields(file, table, errors);
        f.rejectUnknown(KEYS);

        String name = f.string("name").orElse(null);
        if (name != null && !NAME.matcher(name).matches()) {
            f.error("name", Units.quote(name) + " is not a valid site name (" + nameRule() + ")");
        } else if (name == null && !f.has("name") && !NAME.matcher(defaultName).matches()) {
            f.error(
                    "name",
                    Units.quote(defaultName)
                            + " (from the file name) is not a valid site name ("
                            + nameRule()
                            + "); rename the file or set name");
        }
        if (name == null) {
            name = defaultName;
        }

        List<String> hosts =
                f.require("hosts", "hosts = [\"blog.example.com\"]") ? hosts(f) : List.of();

        String app = null;
        if (f.require("app", "app = \"blog.wsgi:application\"")) {
            app = f.string("app").orElse(null);
            if (app != null && !APP.matcher(app).matches()) {
                f.error(
                        "app",
                        Units.quote(app) + " is not module:callable (e.g. blog.wsgi:application)");
            }
        }

        // Without root, the site's code comes by release: its root is the link to the current one.
        boolean fromReleases = !f.has("root");
        Path root = fromReleases ? ReleaseSettings.folder(prefix, name).resolve(ReleaseSettings.CURRENT) : null;
        if (!fromReleases) {
            root = f.string("root").flatMap(r -> path(f, "root", prefix, r)).orElse(null);
            if (root != null && !Files.isDirectory(root)) {
                f.error(
                        "root",
                        root + (Files.exists(root) ? " is not a directory" : " does not exist"));
            }
        }
        Path base = root != null ? root : prefix;

        List<Path> pythonPath = new ArrayList<>();
        f.strings("python_path")
                .ifPresent(
                        list -> {
                            for (String p : list) {
                                path(f, "python_path", base, p).ifPresent(pythonPath::add);
                            }
                        });

        boolean isDefault = f.bool("default").orElse(false);
        long memory =
                f.size(
                                "memory",
                                SiteConfig.MIN_MEMORY,
                                " (a JVM running Jython needs at least that)")
                        .orElse(SiteConfig.DEFAULT_MEMORY);
        long memoryReserve =
                f.size("memory_reserve", SiteConfig.MIN_MEMORY_RESERVE, "").orElse(memory);
        if (memoryReserve > memory) {
            f.error(
                    "memory_reserve",
                    Units.formatSize(memoryReserve)
                            + " is above the ceiling, memory = "
                            + Units.quote(Units.formatSize(memory))
                            + " (a runner can never use more than its ceiling)");
        }
        int processes =
                f.integer("processes", 1, SiteConfig.MAX_PROCESSES)
                        .orElse((long) SiteConfig.DEFAULT_PROCESSES)
                        .intValue();
        int threads =
                f.integer("threads", 1, SiteConfig.MAX_THREADS)
                        .orElse((long) SiteConfig.DEFAULT_THREADS)
                        .intValue();
        Duration idleTimeout =
                f.duration("idle_timeout", true).orElse(SiteConfig.DEFAULT_IDLE_TIMEOUT);
        Duration requestTimeout =
                f.duration("request_timeout", false).orElse(SiteConfig.DEFAULT_REQUEST_TIMEOUT);
        Duration startTimeout =
                f.duration("start_timeout", false).orElse(SiteConfig.DEFAULT_START_TIMEOUT);
        long maxRequests =
                f.integer("max_requests", 0, Long.MAX_VALUE)
                        .orElse(SiteConfig.DEFAULT_MAX_REQUESTS);
        long maxBody = f.size("max_body", 0, "").orElse(SiteConfig.DEFAULT_MAX_BODY);
        ReleaseSettings releases =
                new ReleaseSettings(
                        fromReleases,
                        f.integer("keep_releases", 1, ReleaseSettings.MAX_KEEP)
                                .orElse((long) ReleaseSettings.DEFAULT_KEEP)
                                .intValue(),
                        f.size("disk", 0, "").orElse(0L));
        Map<String, String> env = env(f);
        Map<String, Path> statics = statics(f, base, root != null && !fromReleases);
        String user = f.string("user").filter(u -> validUser(f, u)).orElse(null);
        String group = f.string("group").filter(g -> validGroup(f, g)).orElse(null);

        if (errors.size() > before) {
            return null;
        }
        SiteConfig site =
                new SiteConfig(
                        name,
                        sourceFile,
                        hosts,
                        app,
                        root,
                        pythonPath,
                        isDefault,
                        memory,
                        memoryReserve,
                        processes,
                        threads,
                        idleTimeout,
                        requestTimeout,
                        startTimeout,
                        maxRequests,
                        maxBody,
                        env,
                        statics,
                        user,
                        group,
                        releases);
        return new Parsed(site, table);
    }

    static String nameRule() {
        return "use a-z, 0-9, '_', '.', '-', starting with a letter or digit, at most 64"
                   + " characters";
    }

    private static List<String> hosts(Fields f) {
        List<String> hosts = new ArrayList<>();
        f.strings("hosts")
                .ifPresent(
                        list -> {
                            if (list.isEmpty()) {
                                f.error("hosts", "is empty; list at least one host name");
                            }
                            Set<String> seen = new HashSet<>();
                            for (String raw : list) {
                                String h = HostNames.normalize(raw);
                                String problem = HostNames.checkPattern(h);
                                if (problem != null) {
                                    f.error("hosts", Units.quote(raw) + ": " + problem);
                                } else if (!seen.add(h)) {
                                    f.error("hosts", Units.quote(raw) + " is listed twice");
                                } else {
                                    hosts.add(h);
                                }
                            }
                        });
        return hosts;
    }

    /** {@code value} resolved against {@code base}, or an error for {@code key} when it is not a usable path. */
    static Optional<Path> path(Fields f, String key, Path base, String value) {
        if (value.isBlank()) {
            f.error(key, "an empty path");
            return Optional.empty();
        }
        try {
            return Optional.of(base.resolve(value).toAbsolutePath().normalize());
        } catch (InvalidPathException e) {
            f.error(key, Units.quote(value) + " is not a valid path: " + e.getReason());
            return Optional.empty();
        }
    }

    /** A user that exists (or a uid) and is not root: a site never runs as root. */
    private static boolean validUser(Fields f, String user) {
        Optional<SystemUsers.Account> account = SystemUsers.user(user);
        if (account.isEmpty()) {
            f.error("user", Units.quote(user) + " is neither a user in /etc/passwd nor a uid");
            return false;
        }
        if (account.get().uid() == 0) {
            f.error("user", Units.quote(user) + " is root; a site never runs as root");
            return false;
        }
        return true;
    }

    /** A group that exists (or a gid) and is not root's. */
    private static boolean validGroup(Fields f, String group) {
        Optional<Integer> gid = SystemUsers.group(group);
        if (gid.isEmpty()) {
            f.error("group", Units.quote(group) + " is neither a group in /etc/group nor a gid");
            return false;
        }
        if (gid.get() == 0) {
            f.error("group", Units.quote(group) + " is root's group; a site never runs in it");
            return false;
        }
        return true;
    }

    private static Map<String, String> env(Fields f) {
        Map<String, String> env = new LinkedHashMap<>();
        f.table("env")
                .ifPresent(
                        t -> {
                            for (String k : t.keyTable().keys()) {
                                if (!ENV_NAME.matcher(k).matches()) {
                                    t.error(
                                            k,
                                            "not a valid environment variable name (letters,"
                                                + " digits, '_', not starting with a digit)");
                                }
                                t.string(k)
                                        .ifPresent(
                                                v -> {
                                                    if (v.indexOf('\0') >= 0) {
                                                        t.error(
                                                                k,
                                                                "a value cannot contain a NUL"
                                                                    + " character");
                                                    } else {
                                                        env.put(k, v);
                                                    }
                                                });
                            }
                        });
        return env;
    }

    private static Map<String, Path> statics(Fields f, Path root, boolean checkFolders) {
        Map<String, Path> statics = new LinkedHashMap<>();
        f.table("static")
                .ifPresent(
                        t -> {
                            for (String prefix : t.keyTable().keys()) {
                                if (!prefix.startsWith("/") || !prefix.endsWith("/")) {
                                    t.error(
                                            prefix,
                                            "a URL prefix starts and ends with '/', e.g."
                                                + " \"/static/\"");
                                } else if (!URL_PREFIX.matcher(prefix).matches()
                                        || prefix.contains("/../")
                                        || prefix.contains("/./")) {
                                    t.error(
                                            prefix,
                                            "not a clean URL path (no '//', '.' or '..' segments,"
                                                + " no spaces, '?' or '#')");
                                }
                                t.string(prefix)
                                        .flatMap(folder -> path(t, prefix, root, folder))
                                        .ifPresent(
                                                folder -> {
                                                    if (checkFolders
                                                            && !Files.isDirectory(folder)) {
                                                        t.error(
                                                                prefix,
                                                                folder
                                                                        + (Files.exists(folder)
                                                                                ? " is not a"
                                                                                      + " directory"
                                                                                : " does not"
                                                                                      + " exist"));
                                                    } else {
                                                        statics.put(prefix, folder);
                                                    }
                                                });
                            }
                        });
        return statics;
    }
}
