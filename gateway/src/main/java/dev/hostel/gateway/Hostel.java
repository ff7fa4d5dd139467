package dev.hostel.gateway;

import dev.hostel.gateway.admin.AdminContext;
import dev.hostel.gateway.admin.AdminServer;
import dev.hostel.gateway.admin.AdminSocket;
import dev.hostel.gateway.admin.Controller;
import dev.hostel.gateway.releases.Precompiler;
import dev.hostel.gateway.admin.SitesWatcher;
import dev.hostel.gateway.config.ConfigError;
import dev.hostel.gateway.config.ConfigLoader;
import dev.hostel.gateway.config.HostelConfig;
import dev.hostel.gateway.config.ListenAddress;
import dev.hostel.gateway.config.SiteConfig;
import dev.hostel.gateway.config.SiteSet;
import dev.hostel.gateway.logs.AccessLog;
import dev.hostel.gateway.metrics.FrontDoorMetrics;
import dev.hostel.gateway.metrics.HostelMetrics;
import dev.hostel.gateway.metrics.MetricsServer;
import dev.hostel.gateway.server.GatewayChannelInitializer;
import dev.hostel.gateway.server.ResponseBuffers;
import dev.hostel.gateway.server.GatewayServer;
import dev.hostel.gateway.server.RequestObserver;
import dev.hostel.gateway.supervisor.MemoryBudget;
import dev.hostel.gateway.supervisor.OwnMemoryLimit;
import dev.hostel.gateway.supervisor.ProcessMemory;
import dev.hostel.gateway.supervisor.RunnerLauncher;
import dev.hostel.gateway.supervisor.SiteSupervisor;
import dev.hostel.gateway.supervisor.Supervisor;
import dev.hostel.gateway.transport.Transport;
import io.netty.channel.EventLoopGroup;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.BindException;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.logging.Logger;

/**
 * One running Hostel: the one place where configuration, supervisor, upstreams, routing and listeners are
 * wired together. {@link #start} brings it up: the listeners are bound first, so that a port in use is reported
 * before any site starts, but accept only once the sites are routed, so that early requests wait for their
 * runners instead of failing; {@link #stop} closes the listeners, drains the runners and releases the threads.
 */
public final class Hostel {
    private static final Logger LOG = Logger.getLogger(Hostel.class.getName());
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
    private ResponseBuffers responseBuffers;
    private FrontDoorMetrics frontDoorMetrics;
    private List<InetSocketAddress> addresses = List.of();
    private HostelMetrics metrics;
    private AccessLog accessLog;
    private Controller controller;
    private AdminServer admin;
    private MetricsServer metricsServer;
    private SitesWatcher watcher;
    /** Whether {@link #start} completed and {@link #stop} has not begun. */
    private boolean serving;

    /**
     * @param config the validated configuration
     * @param home   the Hostel installation (where {@code site-runner/target} is)
     */
    public Hostel(HostelConfig config, Path home) {
        this.config = config;
        this.home = home;
    }

    /**
     * @throws BindException when a listener cannot be bound (nothing else has started then, the admin socket
     *                       aside, which {@link #stop} releases)
     */
    public synchronized void start() throws InterruptedException, BindException {
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
        sites = new LiveSites(supervisor, transport, DRAIN_GRACE, MAX_QUEUE);
        // The listeners are bound before any site starts, so that a port in use is reported before a runner is
        // spawned; they accept once the sites are routed (until then clients wait in the listen backlog).
        RequestObserver observer = record -> {
            accessLog.completed(record);
            metrics.requests().completed(record);
        };
        responseBuffers = new ResponseBuffers(config.buffering());
        acceptors = transport.newEventLoopGroup(1, "hostel-accept");
        // One event loop per core, as nginx runs one worker per core: Netty's default of two per core adds threads
        // and per-thread buffer caches (BENCHMARKS.md, "Gateway footprint": hello -c50 lost nothing).
        workers = transport.newEventLoopGroup(Runtime.getRuntime().availableProcessors(), "hostel-io");
        server = new GatewayServer(transport, acceptors, workers,
                new GatewayChannelInitializer(sites.routes()::route, observer, Duration.ofSeconds(75), Duration.ofSeconds(30),
                        responseBuffers), config.connectionLimits());
        List<InetSocketAddress> wanted = new ArrayList<>();
        for (ListenAddress listen : config.listen()) {
            wanted.add(new InetSocketAddress(listen.host(), listen.port()));
        }
        addresses = server.start(wanted);
        SiteSet loaded = ConfigLoader.loadSites(config);
        for (ConfigError error : loaded.errors()) {
            LOG.warning(() -> error + " (site skipped)");
        }
        // Always-running sites first: they claim their budget and their turn among the runner starts before the
        // sites that start on demand, which are only routed here.
        List<SiteConfig> ordered = loaded.sites().stream()
                .sorted(Comparator.comparing((SiteConfig s) -> !s.idleTimeout().isZero())).toList();
        for (SiteConfig site : ordered) {
            // A site that does not fit is still served, refused: the load logs why and GET /sites shows it.
            sites.load(site);
            if (sites.get(site.name()).supervisor().state() != SiteSupervisor.SiteState.REFUSED) {
                LOG.info(() -> "site " + site.name() + ": " + String.join(", ", site.hosts()) + " -> " + site.app()
                        + (site.idleTimeout().isZero() ? "" : " (starts on demand)"));
            }
        }
        metrics = new HostelMetrics(sites, supervisor.events(), budget, () -> server == null ? 0 : server.connections());
        accessLog = new AccessLog(config.logDir());
        frontDoorMetrics = new FrontDoorMetrics(responseBuffers::memoryBytes, responseBuffers::fileBytes,
                server::refusedConnections);
        frontDoorMetrics.bindTo(metrics.registry());
        server.accept();
        LOG.info(() -> "listening on " + String.join(", ", addresses.stream()
                .map(GatewayServer::display).toList()) + " with " + sites.all().size() + " sites (max_connections "
                + server.maxConnections() + ")");
        startAdmin(started);
        serving = true;
    }

    /** The control socket, the live configuration of sites_dir and the metrics listener, after the listeners. */
    private void startAdmin(Instant started) throws InterruptedException {
        controller = new Controller(sites, config,
                new Precompiler(home.resolve("site-runner").resolve("target").resolve("lib")));
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
            metricsServer = new MetricsServer(transport, acceptors, workers, metrics, readiness()::unreadySites);
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

    /** Responses held for slow clients, in memory and in temporary files. */
    public ResponseBuffers responseBuffers() {
        return responseBuffers;
    }

    /** Open client connections. */
    public int connections() {
        return server == null ? 0 : server.connections();
    }

    public Supervisor supervisor() {
        return supervisor;
    }

    /** Whether every always-on site serves: for {@code /readyz} and systemd's {@code READY=1}. */
    public Readiness readiness() {
        return new Readiness(sites);
    }

    /**
     * Stops accepting, lets requests in flight finish for up to {@code grace}, stops every runner; logs each step,
     * for the operator watching the console.
     */
    public synchronized void stop(Duration grace) {
        // A start that failed (a port in use) is cleaned up quietly: its error is the last word.
        boolean wasServing = serving;
        serving = false;
        if (wasServing) {
            int inFlight = sites.all().stream().mapToInt(g -> g.supervisor().inFlight()).sum();
            LOG.info(() -> "stopping: draining " + inFlight + (inFlight == 1 ? " request" : " requests")
                    + " in flight (up to " + grace.toSeconds() + " s) on " + server.connections() + " connections");
        }
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
            if (wasServing) {
                int runners = sites.all().stream().mapToInt(g -> g.supervisor().runners().size()).sum();
                LOG.info(() -> "stopping: " + runners + (runners == 1 ? " runner" : " runners"));
            }
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
        if (wasServing) {
            LOG.info("stopped");
        }
    }
}
