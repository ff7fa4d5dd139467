package dev.hostel.gateway.cli;

import dev.hostel.gateway.Hostel;
import dev.hostel.gateway.config.ConfigException;
import dev.hostel.gateway.config.ConfigLoader;
import dev.hostel.gateway.config.HostelConfig;
import dev.hostel.gateway.config.ListenAddress;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;

/**
 * {@code hostel run}: runs Hostel in the foreground, logging to stderr, until SIGTERM or SIGINT, on which it
 * drains its connections and runners and exits. SIGHUP re-reads {@code sites.d} and applies the difference.
 */
@Command(name = "run", mixinStandardHelpOptions = true,
        description = "Run Hostel in the foreground with the sites of --conf.")
public final class RunCommand implements Callable<Integer> {
    /** How long requests in flight may take to finish on shutdown. */
    private static final Duration GRACE = Duration.ofSeconds(10);
    private static volatile boolean running;

    @Option(names = "--conf", paramLabel = "DIR", defaultValue = "conf",
            description = "The configuration directory (default: ${DEFAULT-VALUE}).")
    private Path conf;

    @Option(names = "--listen", paramLabel = "HOST:PORT",
            description = "Listen here instead of the `listen` of hostel.toml; repeatable.")
    private List<String> listen;

    @Option(names = "--admin-socket", paramLabel = "PATH",
            description = "The admin socket instead of `admin_socket` of hostel.toml.")
    private Path adminSocket;

    /** Whether a {@code run} is serving, so that {@code main} does not exit under it. */
    public static boolean isRunning() {
        return running;
    }

    @Override
    public Integer call() throws Exception {
        HostelConfig config;
        try {
            config = overridden(ConfigLoader.loadHostel(conf));
        } catch (ConfigException e) {
            e.errors().forEach(System.err::println);
            return 1;
        } catch (IllegalArgumentException e) {
            System.err.println("hostel: " + e.getMessage());
            return 2;
        }
        Hostel hostel = new Hostel(config, home());
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            hostel.stop(GRACE);
            stopped.countDown();
        }, "shutdown"));
        try {
            hostel.start();
        } catch (Exception e) {
            System.err.println("hostel: cannot start: " + e.getMessage());
            return 1;
        }
        running = true;
        // SIGHUP re-reads sites.d, like nginx -s reload; the handler only queues the work on the controller.
        sun.misc.Signal.handle(new sun.misc.Signal("HUP"), signal -> hostel.reloadSites("SIGHUP"));
        stopped.await();
        return 0;
    }

    private HostelConfig overridden(HostelConfig c) {
        List<ListenAddress> listeners = listen == null ? c.listen() : listen.stream().map(ListenAddress::parse).toList();
        Path admin = adminSocket == null ? c.adminSocket() : adminSocket.toAbsolutePath();
        return new HostelConfig(c.confDir(), listeners, admin, c.budget(), c.gatewayMemory(), c.prefix(), c.sitesDir(),
                c.metricsListen(), c.logDir());
    }

    /** The installation: {@code -Dhostel.home}, set by {@code scripts/hostel}, else the working directory. */
    static Path home() {
        return Path.of(System.getProperty("hostel.home", ".")).toAbsolutePath().normalize();
    }
}
