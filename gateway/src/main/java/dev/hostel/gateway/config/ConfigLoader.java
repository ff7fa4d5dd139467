package dev.hostel.gateway.config;

import java.io.IOException;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Stream;

/**
 * Reads and validates the configuration: {@code hostel.toml} ({@link #loadHostel}), the site files
 * of {@code sites_dir} ({@link #loadSites}), and one site given as text by the admin API ({@link
 * #parseSite}, {@link #parseSiteJson}). TOML and JSON go through the same validation.
 *
 * <p>Every problem is reported, not just the first, as a {@link ConfigError} naming file, line, key
 * and the bad value. Unknown keys and wrong types are errors. Nothing is applied here: the results
 * are immutable records for the caller to act on.
 */
public final class ConfigLoader {

    static final Set<String> HOSTEL_KEYS =
            Set.of(
                    "listen",
                    "admin_socket",
                    "budget",
                    "gateway_memory",
                    "prefix",
                    "sites_dir",
                    "metrics_listen",
                    "log_dir",
                    "proxy_buffer",
                    "proxy_buffers_total",
                    "proxy_temp_file_max",
                    "proxy_temp_dir",
                    "max_connections",
                    "max_connections_per_address");

    /** The longest path a Unix socket can be bound to on Linux ({@code sun_path} less the NUL). */
    static final int MAX_SOCKET_PATH = 107;

    private ConfigLoader() {}

    /**
     * Reads {@code confDir/hostel.toml} with {@link HostelConfig#DEFAULT_BUDGET} as the budget when
     * it sets none; see {@link #loadHostel(Path, long)}.
     */
    public static HostelConfig loadHostel(Path confDir) throws ConfigException {
        return loadHostel(confDir, HostelConfig.DEFAULT_BUDGET);
    }

    /**
     * Reads {@code confDir/hostel.toml}; when the file is absent, returns {@link
     * HostelConfig#defaults(Path, long)}.
     *
     * @param unsetBudget the budget when the file sets none: the command line passes the memory limit
     *     of the cgroup Hostel runs in (a pod's, a service's), where there is one
     * @param confDir the configuration directory, absolute or relative to the working directory; it
     *     must exist
     * @throws ConfigException with every error of the file, or when {@code confDir} is not a
     *     directory
     */
    public static HostelConfig loadHostel(Path confDir, long unsetBudget) throws ConfigException {
        Path conf = confDir.toAbsolutePath().normalize();
        if (!Files.isDirectory(conf)) {
            throw new ConfigException(
                    List.of(
                            new ConfigError(
                                    display(confDir),
                                    ConfigError.NO_LINE,
                                    "",
                                    Files.exists(conf)
                                            ? "is not a directory"
                                            : "no such directory")));
        }
        Path file = conf.resolve(HostelConfig.FILE_NAME);
        if (!Files.exists(file)) {
            return HostelConfig.defaults(conf, unsetBudget);
        }
        List<ConfigError> errors = new ArrayList<>();
        String label = display(file);
        KeyTable table =
                read(file, label, errors)
                        .map(text -> KeyTable.parseToml(text, label, errors))
                        .orElse(null);
        HostelConfig config = table == null ? null : parseHostel(table, conf, unsetBudget, label, errors);
        if (config == null) {
            throw new ConfigException(sorted(errors));
        }
        return config;
    }

    private static HostelConfig parseHostel(
            KeyTable table, Path conf, long unsetBudget, String label, List<ConfigError> errors) {
        HostelConfig d = HostelConfig.defaults(conf, unsetBudget);
        Fields f = new Fields(label, table, errors);
        f.rejectUnknown(HOSTEL_KEYS);

        List<ListenAddress> listen = new ArrayList<>();
        f.strings("listen")
                .ifPresentOrElse(
                        list -> {
                            if (list.isEmpty()) {
                                f.error(
                                        "listen",
                                        "is empty; list at least one address, e.g."
                                            + " [\"127.0.0.1:8080\"]");
                            }
                            Set<ListenAddress> seen = new HashSet<>();
                            for (String s : list) {
                                listenAddress(f, "listen", s)
                                        .ifPresent(
                                                a -> {
                                                    if (!seen.add(a)) {
                                                        f.error("listen", a + " is listed twice");
                                                    }
                                                    listen.add(a);
                                                });
                            }
                        },
                        () -> listen.addAll(d.listen()));

        long budget =
                f.size("budget", SiteConfig.MIN_MEMORY, " (one site needs at least that)")
                        .orElse(d.budget());
        long gatewayMemory =
                "auto".equals(f.has("gateway_memory") ? table.get("gateway_memory") : null)
                        ? 0
                        : f.size("gateway_memory", 16L << 20, "").orElse(d.gatewayMemory());
        if (gatewayMemory >= budget) {
            f.error(
                    "gateway_memory",
                    Units.formatSize(gatewayMemory)
                            + " leaves nothing of the budget ("
                            + Units.formatSize(budget)
                            + ") for the sites");
        }

        Path prefix =
                f.string("prefix").flatMap(p -> SiteParser.path(f, "prefix", conf, p)).orElse(d.prefix());
        if (f.has("prefix") && !Files.isDirectory(prefix)) {
            f.error("prefix", prefix + " is not a directory");
        }

        Path sitesDir =
                f.string("sites_dir")
                        .flatMap(p -> SiteParser.path(f, "sites_dir", conf, p))
                        .orElse(d.sitesDir());
        if (f.has("sites_dir") && !Files.isDirectory(sitesDir)) {
            f.error("sites_dir", sitesDir + " is not a directory");
        }

        Path adminSocket =
                f.string("admin_socket")
                        .flatMap(p -> SiteParser.path(f, "admin_socket", prefix, p))
                        .orElse(prefix.resolve(HostelConfig.DEFAULT_ADMIN_SOCKET).normalize());
        int socketBytes = adminSocket.toString().getBytes(StandardCharsets.UTF_8).length;
        if (socketBytes > MAX_SOCKET_PATH) {
            f.error(
                    "admin_socket",
                    adminSocket
                            + " is "
                            + socketBytes
                            + " bytes long, more than a Unix socket allows ("
                            + MAX_SOCKET_PATH
                            + "); choose a shorter path");
        }

        Optional<ListenAddress> metrics =
                f.string("metrics_listen")
                        .filter(s -> !s.isBlank())
                        .flatMap(s -> listenAddress(f, "metrics_listen", s));
        metrics.filter(listen::contains)
                .ifPresent(
                        m -> f.error("metrics_listen", m + " is also in listen; use another port"));

        Path logDir =
                f.string("log_dir")
                        .flatMap(p -> SiteParser.path(f, "log_dir", prefix, p))
                        .orElse(prefix.resolve(HostelConfig.DEFAULT_LOG_DIR).normalize());

        ResponseBuffering bufferDefaults = ResponseBuffering.defaults(adminSocket.getParent());
        ResponseBuffering buffering =
                new ResponseBuffering(
                        f.size("proxy_buffer", 0, "").orElse(bufferDefaults.memoryPerResponse()),
                        f.size("proxy_buffers_total", 0, "").orElse(bufferDefaults.memoryTotal()),
                        f.size("proxy_temp_file_max", 0, "").orElse(bufferDefaults.tempFileMax()),
                        f.string("proxy_temp_dir")
                                .flatMap(p -> SiteParser.path(f, "proxy_temp_dir", prefix, p))
                                .orElse(bufferDefaults.tempDir()));

        ConnectionLimits connectionLimits =
                new ConnectionLimits(
                        f.integer("max_connections", 0, Integer.MAX_VALUE).orElse(0L).intValue(),
                        f.integer("max_connections_per_address", 0, Integer.MAX_VALUE).orElse(0L).intValue());

        if (!errors.isEmpty()) {
            return null;
        }
        return new HostelConfig(
                conf, listen, adminSocket, budget, gatewayMemory, prefix, sitesDir, metrics, logDir, buffering,
                connectionLimits);
    }

    private static Optional<ListenAddress> listenAddress(Fields f, String key, String text) {
        try {
            return Optional.of(ListenAddress.parse(text));
        } catch (IllegalArgumentException e) {
            f.error(key, e.getMessage());
            return Optional.empty();
        }
    }


    /**
     * Parses and validates one site file's text. This is what {@link #loadSites} does for each
     * file, and what the admin API does with a TOML body.
     *
     * @param name the site's name unless the text sets {@code name}: the file name without {@code
     *     .toml}, or {@code NAME} of {@code PUT /sites/NAME}; callers that need the two to agree
     *     compare it with the result's {@link SiteConfig#name()}
     * @param tomlText the site file
     * @param sourceFile the file the text was read from, recorded in the result and named in
     *     errors; null for text from the API (errors then name {@code NAME.toml})
     * @param prefix the base of {@code root} ({@link HostelConfig#prefix()})
     * @throws ConfigException with every error found in the text
     */
    public static SiteConfig parseSite(String name, String tomlText, Path sourceFile, Path prefix)
            throws ConfigException {
        String label = sourceFile == null ? name + ".toml" : display(sourceFile);
        List<ConfigError> errors = new ArrayList<>();
        KeyTable table = KeyTable.parseToml(tomlText, label, errors);
        return site(name, table, label, sourceFile, prefix, errors);
    }

    /**
     * Parses and validates a site given as a JSON object with the same keys as a site file ({@code
     * {"hosts": ["blog.example.com"], "app": "blog.wsgi:application", "root": "sites/blog"}}), with
     * the same validation as {@link #parseSite}. Errors name {@code NAME.json} and the line in the
     * JSON text. The result has no source file.
     *
     * @throws ConfigException with every error found in the text
     */
    public static SiteConfig parseSiteJson(String name, String jsonText, Path prefix)
            throws ConfigException {
        String label = name + ".json";
        List<ConfigError> errors = new ArrayList<>();
        KeyTable table = KeyTable.parseJson(jsonText, label, errors);
        return site(name, table, label, null, prefix, errors);
    }

    private static SiteConfig site(
            String name,
            KeyTable table,
            String label,
            Path sourceFile,
            Path prefix,
            List<ConfigError> errors) {
        SiteParser.Parsed parsed =
                table == null
                        ? null
                        : SiteParser.parse(
                                name,
                                table,
                                label,
                                sourceFile,
                                prefix.toAbsolutePath().normalize(),
                                errors);
        if (parsed == null) {
            throw new ConfigException(sorted(errors));
        }
        return parsed.site();
    }

    /**
     * Reads every {@code *.toml} file of {@link HostelConfig#sitesDir()} in file name order (files
     * whose name starts with a dot are ignored, so are directories). A broken file is reported in
     * {@link SiteSet#errors()} and skipped; the other sites load. Then the cross-site checks, each
     * reported on the later file in that order, which is skipped as well:
     *
     * <ul>
     *   <li>a host served by two sites;
     *   <li>more than one {@code default = true};
     *   <li>two files with the same {@code name}.
     * </ul>
     *
     * <p>Whether a site fits the memory budget is not a property of its file (the budget depends on
     * the machine and on the other sites): a site that does not fit is loaded, and Hostel serves it
     * as refused, saying why; {@code hostel check} warns about it.
     *
     * <p>A missing {@code sites_dir} is no error: there are no sites yet.
     */
    public static SiteSet loadSites(HostelConfig hostel) {
        List<ConfigError> errors = new ArrayList<>();
        List<SiteConfig> sites = new ArrayList<>();
        Path dir = hostel.sitesDir();
        if (!Files.isDirectory(dir)) {
            return new SiteSet(List.of(), List.of());
        }
        List<Path> files;
        try (Stream<Path> list = Files.list(dir)) {
            files =
                    list.filter(
                                    p -> {
                                        String n = p.getFileName().toString();
                                        return n.endsWith(".toml")
                                                && !n.startsWith(".")
                                                && !Files.isDirectory(p);
                                    })
                            .sorted(Comparator.comparing(p -> p.getFileName().toString()))
                            .toList();
        } catch (IOException e) {
            return new SiteSet(
                    List.of(),
                    List.of(
                            new ConfigError(
                                    display(dir),
                                    ConfigError.NO_LINE,
                                    "",
                                    "cannot list the directory: " + e)));
        }
        for (Path file : files) {
            String label = display(file);
            String fileName = file.getFileName().toString();
            String name = fileName.substring(0, fileName.length() - ".toml".length());
            List<ConfigError> fileErrors = new ArrayList<>();
            KeyTable table =
                    read(file, label, fileErrors)
                            .map(t -> KeyTable.parseToml(t, label, fileErrors))
                            .orElse(null);
            SiteParser.Parsed parsed =
                    table == null
                            ? null
                            : SiteParser.parse(
                                    name,
                                    table,
                                    label,
                                    file.toAbsolutePath().normalize(),
                                    hostel.prefix(),
                                    fileErrors);
            if (parsed != null) {
                SiteConfig site = parsed.site();
                fileErrors.addAll(
                        SiteSet.conflicts(sites, site, label, k -> parsed.table().line(k)));
                if (fileErrors.isEmpty()) {
                    sites.add(site);
                }
            }
            errors.addAll(sorted(fileErrors));
        }
        return new SiteSet(sites, errors);
    }

    private static Optional<String> read(Path file, String label, List<ConfigError> errors) {
        try {
            return Optional.of(Files.readString(file, StandardCharsets.UTF_8));
        } catch (CharacterCodingException e) {
            errors.add(new ConfigError(label, ConfigError.NO_LINE, "", "is not UTF-8 text"));
        } catch (IOException e) {
            errors.add(new ConfigError(label, ConfigError.NO_LINE, "", "cannot be read: " + e));
        }
        return Optional.empty();
    }

    private static List<ConfigError> sorted(List<ConfigError> errors) {
        List<ConfigError> copy = new ArrayList<>(errors);
        copy.sort(
                Comparator.comparingInt(
                        ConfigError::line)); // stable: same-line errors keep their order
        return copy;
    }

    /**
     * A path as the operator would write it: relative to the working directory when it lies below
     * it, else as given.
     */
    public static String display(Path path) {
        Path abs = path.toAbsolutePath().normalize();
        Path cwd = Path.of("").toAbsolutePath();
        if (abs.startsWith(cwd) && !abs.equals(cwd)) {
            return cwd.relativize(abs).toString();
        }
        return path.isAbsolute() ? abs.toString() : path.toString();
    }
}
