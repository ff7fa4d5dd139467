package dev.hostel.gateway.cli;

import dev.hostel.gateway.config.ConfigException;
import dev.hostel.gateway.config.ConfigLoader;
import dev.hostel.gateway.config.HostelConfig;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

/**
 * Where {@code run}, {@code check} and {@code ctl} find the configuration and the admin socket, by the same rules,
 * so that {@code ctl} finds the Hostel that {@code run} started from any working directory:
 *
 * <ol>
 *   <li>the configuration directory is {@code --conf DIR}, else {@code $HOSTEL_CONF}, else {@code conf/} of the
 *       installation ({@code -Dhostel.home}, set by {@code scripts/hostel}), else {@code conf/} of the working
 *       directory;</li>
 *   <li>the admin socket is {@code --socket} / {@code --admin-socket}, else {@code $HOSTEL_ADMIN_SOCKET}, else the
 *       {@code admin_socket} of that directory's {@code hostel.toml} (relative to its prefix).</li>
 * </ol>
 */
public final class Locations {
    /** The environment variable naming the configuration directory. */
    public static final String CONF_ENV = "HOSTEL_CONF";
    /** The environment variable naming the admin socket. */
    public static final String SOCKET_ENV = "HOSTEL_ADMIN_SOCKET";

    private final Map<String, String> env;
    private final Path home;

    /** With the process's environment and {@code -Dhostel.home}. */
    public Locations() {
        this(System.getenv(), System.getProperty("hostel.home") == null ? null : Path.of(System.getProperty("hostel.home")));
    }

    /**
     * @param env  the environment variables
     * @param home the installation, or null when unknown
     */
    public Locations(Map<String, String> env, Path home) {
        this.env = env;
        this.home = home;
    }

    /** The configuration directory, {@code option} being {@code --conf} (null when not given). */
    public Path confDir(Path option) {
        if (option != null) {
            return option;
        }
        String fromEnv = env.get(CONF_ENV);
        if (fromEnv != null && !fromEnv.isEmpty()) {
            return Path.of(fromEnv);
        }
        return home != null ? home.toAbsolutePath().normalize().resolve("conf") : Path.of("conf");
    }

    /** An admin socket and, for error messages, where it came from. */
    public record Socket(Path path, String source) {
    }

    /**
     * The admin socket for {@code ctl}.
     *
     * @param option {@code --socket}, or null
     * @param conf   {@code --conf}, or null
     */
    public Socket adminSocket(Path option, Path conf) {
        if (option != null) {
            return new Socket(option.toAbsolutePath().normalize(), "--socket");
        }
        String fromEnv = env.get(SOCKET_ENV);
        if (fromEnv != null && !fromEnv.isEmpty()) {
            return new Socket(Path.of(fromEnv).toAbsolutePath().normalize(), SOCKET_ENV);
        }
        Path dir = confDir(conf).toAbsolutePath().normalize();
        Path file = dir.resolve(HostelConfig.FILE_NAME);
        if (Files.isDirectory(dir)) {
            try {
                return new Socket(ConfigLoader.loadHostel(dir).adminSocket(), "admin_socket of " + file);
            } catch (ConfigException e) {
                // hostel check's to report; the default below is still the likeliest place
            }
        }
        return new Socket(dir.getParent().resolve(HostelConfig.DEFAULT_ADMIN_SOCKET),
                "the default admin_socket, as " + file + " is missing or unreadable");
    }

    /** The admin socket for {@code run}: {@code --admin-socket}, else {@code $HOSTEL_ADMIN_SOCKET}, else null. */
    public Path runAdminSocket(Path option) {
        if (option != null) {
            return option.toAbsolutePath();
        }
        String fromEnv = env.get(SOCKET_ENV);
        return fromEnv == null || fromEnv.isEmpty() ? null : Path.of(fromEnv).toAbsolutePath();
    }
}
