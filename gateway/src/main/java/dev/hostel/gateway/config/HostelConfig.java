package dev.hostel.gateway.config;

import static java.util.Objects.requireNonNull;

import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

/**
 * The instance configuration, {@code conf/hostel.toml}, validated; see {@link
 * ConfigLoader#loadHostel(Path)}. Every key is optional and the file itself may be absent. All
 * paths are absolute and normalized; a relative value in the file is resolved as follows:
 *
 * <table>
 *   <caption>Keys, defaults and the base of relative paths</caption>
 *   <tr><th>key</th><th>component</th><th>default</th><th>relative to</th></tr>
 *   <tr><td>{@code listen}</td><td>{@link #listen}</td><td>{@code ["127.0.0.1:8080"]}</td><td></td></tr>
 *   <tr><td>{@code admin_socket}</td><td>{@link #adminSocket}</td><td>{@code run/hostel.sock}</td><td>prefix</td></tr>
 *   <tr><td>{@code budget}</td><td>{@link #budget}</td><td>the limit of Hostel's own cgroup, else {@code 512M}</td><td></td></tr>
 *   <tr><td>{@code gateway_memory}</td><td>{@link #gatewayMemory}</td><td>{@code "auto"} (0)</td><td></td></tr>
 *   <tr><td>{@code prefix}</td><td>{@link #prefix}</td><td>the conf dir's parent</td><td>conf dir</td></tr>
 *   <tr><td>{@code sites_dir}</td><td>{@link #sitesDir}</td><td>{@code sites.d}</td><td>conf dir</td></tr>
 *   <tr><td>{@code metrics_listen}</td><td>{@link #metricsListen}</td><td>{@code ""} (off)</td><td></td></tr>
 *   <tr><td>{@code log_dir}</td><td>{@link #logDir}</td><td>{@code logs}</td><td>prefix</td></tr>
 *   <tr><td>{@code proxy_buffer}, {@code proxy_buffers_total}, {@code proxy_temp_file_max}</td>
 *       <td>{@link #buffering}</td><td>{@code 64K}, {@code 8M}, {@code 1G}</td><td></td></tr>
 *   <tr><td>{@code max_connections}, {@code max_connections_per_address}</td>
 *       <td>{@link #connectionLimits}</td><td>{@code 0} (from the open-file limit), {@code 0} (none)</td>
 *       <td></td></tr>
 *   <tr><td>{@code proxy_temp_dir}</td><td>{@link #buffering}</td><td>{@code tmp} beside the admin socket</td>
 *       <td>prefix</td></tr>
 * </table>
 *
 * <p>The prefix is also the base of {@code root} in site files.
 *
 * @param confDir the configuration directory, absolute
 * @param listen the front-end HTTP listeners; not empty, no duplicates
 * @param adminSocket the Unix socket of the admin API (created with mode 0600)
 * @param budget the instance memory budget in bytes; the effective budget is the smaller of this
 *     and the memory limit of Hostel's own cgroup, which is the supervisor's business
 * @param gatewayMemory what the budget counts for the gateway's own process, in bytes; 0 ({@code
 *     "auto"}) counts what it measures (its PSS, re-read every few seconds, at least 32M)
 * @param prefix the base for relative paths in site files and for {@code admin_socket}, {@code
 *     log_dir}
 * @param sitesDir the directory of site files; need not exist unless set explicitly
 * @param metricsListen where to serve Prometheus metrics over TCP as well, or empty (off)
 * @param logDir per-site logs and access logs
 * @param buffering how responses are held for clients that read slower than their runner answers
 * @param connectionLimits how many client connections may be open, in all and per client address
 */
public record HostelConfig(
        Path confDir,
        List<ListenAddress> listen,
        Path adminSocket,
        long budget,
        long gatewayMemory,
        Path prefix,
        Path sitesDir,
        Optional<ListenAddress> metricsListen,
        Path logDir,
        ResponseBuffering buffering,
        ConnectionLimits connectionLimits) {

    /** The listener when {@code listen} is not set. */
    public static final ListenAddress DEFAULT_LISTEN = new ListenAddress("127.0.0.1", 8080);

    /** {@code budget} when not set: 512M. */
    public static final long DEFAULT_BUDGET = 512L << 20;

    /** {@code admin_socket} when not set, relative to the prefix. */
    public static final String DEFAULT_ADMIN_SOCKET = "run/hostel.sock";

    /** {@code sites_dir} when not set, relative to the conf dir. */
    public static final String DEFAULT_SITES_DIR = "sites.d";

    /** {@code log_dir} when not set, relative to the prefix. */
    public static final String DEFAULT_LOG_DIR = "logs";

    /** The name of the file in the conf dir. */
    public static final String FILE_NAME = "hostel.toml";

    public HostelConfig {
        requireNonNull(confDir, "confDir");
        listen = List.copyOf(listen);
        requireNonNull(adminSocket, "adminSocket");
        requireNonNull(prefix, "prefix");
        requireNonNull(sitesDir, "sitesDir");
        requireNonNull(metricsListen, "metricsListen");
        requireNonNull(logDir, "logDir");
        requireNonNull(buffering, "buffering");
        requireNonNull(connectionLimits, "connectionLimits");
        if (listen.isEmpty()) {
            throw new IllegalArgumentException("no listener");
        }
        if (budget <= 0) {
            throw new IllegalArgumentException("budget must be positive");
        }
        if (gatewayMemory < 0) {
            throw new IllegalArgumentException("gateway_memory must not be negative");
        }
    }

    /** The configuration of an absent {@code hostel.toml} in {@code confDir}: every default. */
    public static HostelConfig defaults(Path confDir) {
        return defaults(confDir, DEFAULT_BUDGET);
    }

    /** Every default, with {@code budget} as the budget (the limit of the cgroup Hostel runs in, say). */
    public static HostelConfig defaults(Path confDir, long budget) {
        Path conf = confDir.toAbsolutePath().normalize();
        Path prefix = conf.getParent() == null ? conf : conf.getParent();
        Path adminSocket = prefix.resolve(DEFAULT_ADMIN_SOCKET);
        return new HostelConfig(
                conf,
                List.of(DEFAULT_LISTEN),
                adminSocket,
                budget,
                0,
                prefix,
                conf.resolve(DEFAULT_SITES_DIR),
                Optional.empty(),
                prefix.resolve(DEFAULT_LOG_DIR),
                ResponseBuffering.defaults(adminSocket.getParent()),
                ConnectionLimits.DEFAULTS);
    }

    /** The path of {@code hostel.toml} in the conf dir. */
    public Path file() {
        return confDir.resolve(FILE_NAME);
    }
}
