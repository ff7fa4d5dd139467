package dev.hostel.gateway;

import dev.hostel.gateway.config.ConfigError;
import dev.hostel.gateway.config.ConfigLoader;
import dev.hostel.gateway.config.HostelConfig;
import dev.hostel.gateway.config.ListenAddress;
import dev.hostel.gateway.config.SiteConfig;
import dev.hostel.gateway.config.SiteSet;
import dev.hostel.gateway.server.GatewayChannelInitializer;
import dev.hostel.gateway.server.GatewayServer;
import dev.hostel.gateway.server.RequestObserver;
import dev.hostel.gateway.supervisor.RunnerLauncher;
import dev.hostel.gateway.supervisor.Supervisor;
import dev.hostel.gateway.transport.Transport;
import io.netty.channel.EventLoopGroup;

import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
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
    private GatewayServer server;
    private List<InetSocketAddress> addresses = List.of();

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
        Path runDir = config.adminSocket().getParent().resolve("runners");
        supervisor = new Supervisor(new RunnerLauncher(home, runDir, config.logDir()));
        sites = new LiveSites(supervisor, transport, START_TIMEOUT, DRAIN_GRACE, MAX_QUEUE);
        SiteSet loaded = ConfigLoader.loadSites(config);
        for (ConfigError error : loaded.errors()) {
            LOG.warning(() -> error + " (site skipped)");
        }
        for (SiteConfig site : loaded.sites()) {
            sites.put(site);
            LOG.info(() -> "site " + site.name() + ": " + String.join(", ", site.hosts()) + " -> " + site.app());
        }
        acceptors = transport.newEventLoopGroup(1, "hostel-accept");
        workers = transport.newEventLoopGroup(0, "hostel-io");
        server = new GatewayServer(transport, acceptors, workers,
                new GatewayChannelInitializer(sites.routes()::route, RequestObserver.NONE, Duration.ofSeconds(75), Duration.ofSeconds(30)));
        List<InetSocketAddress> wanted = new ArrayList<>();
        for (ListenAddress listen : config.listen()) {
            wanted.add(new InetSocketAddress(listen.host(), listen.port()));
        }
        addresses = server.start(wanted);
        LOG.info(() -> "listening on " + addresses + " with " + sites.all().size() + " sites");
    }

    /** The sites being served; where they are added, replaced, reloaded and removed. */
    public LiveSites sites() {
        return sites;
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
        LOG.info("stopped");
    }
}
