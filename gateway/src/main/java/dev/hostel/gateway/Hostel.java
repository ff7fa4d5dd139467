package dev.hostel.gateway;

import dev.hostel.gateway.admin.AdminContext;
import dev.hostel.gateway.admin.AdminServer;
import dev.hostel.gateway.admin.AdminSocket;
import dev.hostel.gateway.admin.Controller;
import dev.hostel.gateway.admin.SitesWatcher;
import dev.hostel.gateway.config.ConfigError;
import dev.hostel.gateway.config.ConfigLoader;
import dev.hostel.gateway.config.HostelConfig;
import dev.hostel.gateway.config.ListenAddress;
import dev.hostel.gateway.config.SiteConfig;
import dev.hostel.gateway.config.SiteSet;
import dev.hostel.gateway.logs.AccessLog;
import dev.hostel.gateway.metrics.HostelMetrics;
import dev.hostel.gateway.metrics.MetricsServer;
import dev.hostel.gateway.server.GatewayChannelInitializer;
import dev.hostel.gateway.server.GatewayServer;
import dev.hostel.gateway.server.RequestObserver;
import dev.hostel.gateway.supervisor.MemoryBudget;
import dev.hostel.gateway.supervisor.OwnMemoryLimit;
import dev.hostel.gateway.supervisor.ProcessMemory;
import dev.hostel.gateway.supervisor.RunnerLauncher;
import dev.hostel.gateway.supervisor.Supervisor;
import dev.hostel.gateway.transport.Transport;
import io.netty.channel.EventLoopGroup;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.logging.Logger;

/**
 * One running Hostel: the one place where configuration, supervisor, upstreams, routing and listeners are
 * wired together. {@link #start} brings it up (sites first, so that early requests wait for their runners
 * instead of failing); {@link #stop} closes the listeners, drains the runners and releases the threads.
 */
public final class Hostel {
    private static final Logger LOG = Logger.getLogger(Hostel.class.getName());
    /** How long a request waits for a runner that is starting. */
    static final Duration START_TIMEOUT = Duration.ofSeconds(30);
    /** How long a replaced generation's requests in flight may take to finish. */
    static final Duration DRAIN_GRACE = Duration.ofSeconds(30);
    /** Requests that may wait for a site's runners at once. */
    static final int MAX_QUEUE = 1024;

    private final HostelConfig config;
    private final Path home;
    private final Transport transport = Transport.best();
    private LiveSites sites;
    private EventLoopGroup acceptors;
    private EventLoopGroup workers;
    private Supervisor supervisor;
    private MemoryBudget budget;
    private GatewayServer server;
    private List<InetSocketAddress> addresses = List.of();
    private HostelMetrics metrics;
    private AccessLog accessLog;
    private Controller controller;
    private AdminServer admin;
    private MetricsServer metricsServer;
    private SitesWatcher watcher;

    /**
     * @param config the validated configuration
     * @param home   the Hostel installation (where {@code site-runner/target} is)
     */
    public Hostel(HostelConfig config, Path home) {
        this.config = config;
        this.home = home;
    }

    public synchronized void start() throws InterruptedException {
        LOG.info(() -> "transport: " + transport.name().toLowerCase());
        Instant started = Instant.now();
        try {
            // Before anything starts: a second Hostel on the same socket must not spawn runners at all.
            AdminSocket.claim(config.adminSocket());
        } catch (IOException e) {
            throw new UncheckedIOException("cannot prepare the admin socket " + config.adminSocket(), e);
        }
        Path runDir = config.adminSocket().getParent().resolve("runners");
        // The gateway is counted by what it measures (its PSS, re-read as it runs), unless gateway_memory fixes it.
        budget = new MemoryBudget(MemoryBudget.effective(config.budget(), OwnMemoryLimit.read()), config.gatewayMemory(),
                ProcessMemory.pssBytes(ProcessHandle.current().pid()));
        supervisor = new Supervisor(new RunnerLauncher(home, runDir, config.logDir()), budget, DRAIN_GRACE);
        sites = new LiveSites(supervisor, transport, START_TIMEOUT, DRAIN_GRACE, MAX_QUEUE);
        SiteSet loaded = ConfigLoader.loadSites(config);
        for (ConfigError error : loaded.errors()) {
            LOG.warning(() -> error + " (site skipped)");
        }
        for (SiteConfig site : loaded.sites()) {
            String problem = sites.budgetProblem(site);
            if (problem != null) {
                LOG.warning(() -> problem + " (site skipped)");
                continue;
            }
            sites.load(site);
            LOG.info(() -> "site " + site.name() + ": " + String.join(", ", site.hosts()) + " -> " + site.app()
                    + (site.idleTimeout().isZero() ? "" : " (starts on demand)"));
        }
        metrics = new HostelMetrics(sites, supervisor.events(), budget, () -> server == null ? 0 : server.connections());
        accessLog = new AccessLog(config.logDir());
        RequestObserver observer = record -> {
            accessLog.completed(record);
            metrics.requests().completed(record);
        };
        acceptors = transport.newEventLoopGroup(1, "hostel-accept");
        workers = transport.newEventLoopGroup(0, "hostel-io");
        server = new GatewayServer(transport, acceptors, workers,
                new GatewayChannelInitializer(sites.routes()::route, observer, Duration.ofSeconds(75), Duration.ofSeconds(30)));
        List<InetSocketAddress> wanted = new ArrayList<>();
        for (ListenAddress listen : config.listen()) {
            wanted.add(new InetSocketAddress(listen.host(), listen.port()));
        }
        addresses = server.start(wanted);
        LOG.info(() -> "listening on " + addresses + " with " + sites.all().size() + " sites");
        startAdmin(started);
    }

    /** The control socket, the live configuration of sites_dir and the metrics listener, after the listeners. */
    private void startAdmin(Instant started) throws InterruptedException {
        controller = new Controller(sites, config, START_TIMEOUT);
        admin = new AdminServer(transport, acceptors, workers, controller,
                new AdminContext(config, sites, budget, metrics, this::addresses, server::connections, started));
        try {
            admin.start();
            watcher = SitesWatcher.start(config.sitesDir(), controller);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot start the admin socket " + config.adminSocket(), e);
        }
        if (config.metricsListen().isPresent()) {
            ListenAddress m = config.metricsListen().get();
            metricsServer = new MetricsServer(transport, acceptors, workers, metrics);
            metricsServer.start(new InetSocketAddress(m.host(), m.port()));
        }
    }

    /**
     * Re-reads {@code sites_dir} and applies the difference, as SIGHUP and {@code POST /reload} do.
     *
     * @param why for the log, e.g. {@code SIGHUP}
     */
    public CompletableFuture<?> reloadSites(String why) {
        return controller.reloadAll(why);
    }

    /** Every meter, for {@code GET /metrics}. */
    public HostelMetrics metrics() {
        return metrics;
    }

    /** The sites being served; where they are added, replaced, reloaded and removed. */
    public LiveSites sites() {
        return sites;
    }

    public MemoryBudget budget() {
        return budget;
    }

    public HostelConfig config() {
        return config;
    }

    /** The addresses the listeners are bound to (a configured port 0 shows the real one). */
    public List<InetSocketAddress> addresses() {
        return addresses;
    }

    public Supervisor supervisor() {
        return supervisor;
    }

    /** Stops accepting, lets requests in flight finish for up to {@code grace}, stops every runner. */
    public synchronized void stop(Duration grace) {
        // The admin side first: no change may start while the sites are being stopped.
        if (watcher != null) {
            watcher.close();
        }
        if (admin != null) {
            admin.stop();
        }
        if (metricsServer != null) {
            metricsServer.stop();
        }
        if (controller != null) {
            controller.close();
        }
        if (server != null) {
            server.stop(grace);
        }
        if (supervisor != null) {
            try {
                supervisor.stopAll(grace).get(grace.toMillis() + 10_000, TimeUnit.MILLISECONDS);
            } catch (Exception e) {
                LOG.warning("runners did not all stop in time: " + e);
            }
        }
        if (workers != null) {
            workers.shutdownGracefully(0, 2, TimeUnit.SECONDS).awaitUninterruptibly();
            acceptors.shutdownGracefully(0, 2, TimeUnit.SECONDS).awaitUninterruptibly();
        }
        if (accessLog != null) {
            accessLog.close();
        }
        LOG.info("stopped");
    }
}
