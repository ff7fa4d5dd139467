package dev.hostel.gateway.cli;

import dev.hostel.gateway.Hostel;
import dev.hostel.gateway.Readiness;
import dev.hostel.gateway.config.ConfigException;
import dev.hostel.gateway.config.ConfigLoader;
import dev.hostel.gateway.config.HostelConfig;
import dev.hostel.gateway.config.ListenAddress;
import dev.hostel.gateway.supervisor.OwnMemoryLimit;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.io.IOException;
import java.net.BindException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;

/**
 * {@code hostel run}: runs Hostel in the foreground, logging to stderr. SIGTERM or SIGINT stops it cleanly, each
 * step logged ({@code stopping: draining N requests ...}, {@code stopped}), and exits 0, as a stop that was asked
 * for is not a failure; a second one while it drains exits at once. SIGHUP re-reads {@code sites.d} and applies
 * the difference.
 */
@Command(name = "run", mixinStandardHelpOptions = true,
        description = "Run Hostel in the foreground with the sites of --conf.")
public final class RunCommand implements Callable<Integer> {
    /** How long requests in flight may take to finish on shutdown. */
    private static final Duration GRACE = Duration.ofSeconds(10);
    /** How long {@code READY=1} waits for the always-on sites (below systemd's default TimeoutStartSec of 90 s). */
    private static final Duration READY_WAIT = Duration.ofSeconds(80);

    @Option(names = "--conf", paramLabel = "DIR",
            description = "The configuration directory (default: $HOSTEL_CONF, else the installation's conf/).")
    private Path conf;

    @Option(names = "--listen", paramLabel = "HOST:PORT",
            description = "Listen here instead of the `listen` of hostel.toml; repeatable.")
    private List<String> listen;

    @Option(names = "--admin-socket", paramLabel = "PATH",
            description = "The admin socket instead of `admin_socket` of hostel.toml (default: $HOSTEL_ADMIN_SOCKET).")
    private Path adminSocket;

    @Override
    public Integer call() throws Exception {
        Locations locations = new Locations();
        HostelConfig config;
        try {
            // No budget in hostel.toml: the memory limit of the cgroup Hostel runs in (a pod's, a unit's), else 512M.
            config = overridden(ConfigLoader.loadHostel(locations.confDir(conf),
                    OwnMemoryLimit.readOr(HostelConfig.DEFAULT_BUDGET)), locations.runAdminSocket(adminSocket));
        } catch (ConfigException e) {
            e.errors().forEach(System.err::println);
            return 1;
        } catch (IllegalArgumentException e) {
            System.err.println("hostel: " + e.getMessage());
            return 2;
        }
        Hostel hostel = new Hostel(config, home());
        try {
            hostel.start();
        } catch (BindException e) {
            hostel.stop(Duration.ZERO);
            System.err.println("hostel: " + e.getMessage());
            return 1;
        } catch (RuntimeException e) {
            hostel.stop(Duration.ZERO);
            System.err.println("hostel: cannot start: " + e.getMessage());
            return 1;
        }
        markServed();
        Optional<SystemdNotify> systemd = SystemdNotify.fromEnvironment();
        systemd.ifPresent(s -> tellWhenReady(s, hostel.readiness()));
        // Any other way out (System.exit elsewhere, a fatal error) still stops the runners.
        Thread safetyNet = new Thread(() -> hostel.stop(GRACE), "shutdown");
        Runtime.getRuntime().addShutdownHook(safetyNet);
        CountDownLatch stopAsked = new CountDownLatch(1);
        // Our own handlers rather than a shutdown hook: during the JVM's shutdown the log handlers are closed
        // under us (no "stopped" would reach the console) and the exit status would be 128 + the signal.
        for (String name : new String[] {"TERM", "INT"}) {
            sun.misc.Signal.handle(new sun.misc.Signal(name), signal -> {
                if (stopAsked.getCount() == 0) {
                    System.err.println("hostel: SIG" + name + " again: exiting without waiting for the drain");
                    Runtime.getRuntime().halt(1);
                }
                stopAsked.countDown();
            });
        }
        // SIGHUP re-reads sites.d, like nginx -s reload; the handler only queues the work on the controller.
        sun.misc.Signal.handle(new sun.misc.Signal("HUP"), signal -> hostel.reloadSites("SIGHUP"));
        stopAsked.await();
        systemd.ifPresent(s -> s.send("STOPPING=1"));
        hostel.stop(GRACE);
        Runtime.getRuntime().removeShutdownHook(safetyNet);
        return 0;
    }

    /**
     * {@code READY=1} once every always-on site serves, so that {@code systemctl start} returns when the sites do;
     * after {@link #READY_WAIT} it is sent anyway, with the sites still starting in {@code STATUS}, rather than
     * letting systemd time the service out while its other sites serve.
     */
    private static void tellWhenReady(SystemdNotify systemd, Readiness readiness) {
        Thread waiter = new Thread(() -> {
            long deadline = System.nanoTime() + READY_WAIT.toNanos();
            List<String> unready = readiness.unreadySites();
            while (!unready.isEmpty() && System.nanoTime() < deadline) {
                try {
                    Thread.sleep(200);
                } catch (InterruptedException e) {
                    return;
                }
                unready = readiness.unreadySites();
            }
            systemd.send(unready.isEmpty() ? "READY=1\nSTATUS=serving"
                    : "READY=1\nSTATUS=serving; still starting: " + String.join(", ", unready));
        }, "systemd-notify");
        waiter.setDaemon(true);
        waiter.start();
    }

    /**
     * Tells {@code scripts/hostel} that this run served ({@code -Dhostel.cds.served=FILE}, set on the run that
     * writes the gateway's class-data archive at exit): an archive written by a run that never served, such as one
     * stopped by a configuration error, holds too few classes and is not kept.
     */
    private static void markServed() {
        String marker = System.getProperty("hostel.cds.served");
        if (marker != null) {
            try {
                Files.writeString(Path.of(marker), "");
            } catch (IOException e) {
                System.err.println("hostel: cannot write " + marker + " (" + e + "); the class-data archive is made"
                        + " again next time");
            }
        }
    }

    private HostelConfig overridden(HostelConfig c, Path admin) {
        List<ListenAddress> listeners = listen == null ? c.listen() : listen.stream().map(ListenAddress::parse).toList();
        return new HostelConfig(c.confDir(), listeners, admin == null ? c.adminSocket() : admin, c.budget(),
                c.gatewayMemory(), c.prefix(), c.sitesDir(), c.metricsListen(), c.logDir(), c.buffering(),
                c.connectionLimits());
    }

    /** The installation: {@code -Dhostel.home}, set by {@code scripts/hostel}, else the working directory. */
    static Path home() {
        return Path.of(System.getProperty("hostel.home", ".")).toAbsolutePath().normalize();
    }
}
