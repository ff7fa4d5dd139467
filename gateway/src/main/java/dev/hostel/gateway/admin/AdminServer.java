package dev.hostel.gateway.admin;

import dev.hostel.gateway.config.ReleaseSettings;
import dev.hostel.gateway.transport.Transport;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.group.ChannelGroup;
import io.netty.channel.group.DefaultChannelGroup;
import io.netty.util.concurrent.GlobalEventExecutor;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.logging.Logger;

/**
 * The control socket: the admin API over HTTP/1.1 on the Unix socket {@code admin_socket}, mode 0600, serving
 * only Hostel's own user and root. Never reachable over TCP. Call {@link AdminSocket#claim} before starting
 * anything else, {@link #start} once the listeners are up, and {@link #stop} first on shutdown.
 */
public final class AdminServer {
    private static final Logger LOG = Logger.getLogger(AdminServer.class.getName());

    private final Transport transport;
    private final EventLoopGroup acceptors;
    private final EventLoopGroup workers;
    private final Path socket;
    private final Path uploads;
    private final AdminApi api;
    private final ExecutorService readers;
    private final ChannelGroup channels = new DefaultChannelGroup("admin", GlobalEventExecutor.INSTANCE);

    public AdminServer(Transport transport, EventLoopGroup acceptors, EventLoopGroup workers, Controller controller,
                       AdminContext context) {
        this.transport = transport;
        this.acceptors = acceptors;
        this.workers = workers;
        this.socket = context.config().adminSocket();
        this.uploads = context.config().prefix().resolve(ReleaseSettings.FOLDER).resolve(".uploads");
        AtomicInteger n = new AtomicInteger();
        this.readers = Executors.newFixedThreadPool(2, r -> {
            Thread t = new Thread(r, "hostel-admin-" + n.incrementAndGet());
            t.setDaemon(true);
            return t;
        });
        this.api = new AdminApi(controller, context, readers);
    }

    /** Binds the socket and makes it 0600; the socket must have been {@link AdminSocket#claim claimed}. */
    public void start() throws IOException, InterruptedException {
        ServerBootstrap bootstrap = new ServerBootstrap()
                .group(acceptors, workers)
                .channel(transport.unixServerChannel())
                .childOption(ChannelOption.AUTO_READ, false)
                .childHandler(new ChannelInitializer<Channel>() {
                    @Override
                    protected void initChannel(Channel ch) {
                        channels.add(ch);
                        ch.pipeline().addLast(new AdminChannelInitializer(api::handle, true, uploads, api::deploy));
                    }
                });
        Channel listener = bootstrap.bind(transport.unixAddress(socket)).sync().channel();
        channels.add(listener);
        try {
            AdminSocket.restrict(socket);
        } catch (IOException e) {
            listener.close().sync();
            throw e;
        }
        LOG.info(() -> "admin API on " + socket + " (try: curl --unix-socket " + socket + " http://localhost/status)");
    }

    /** Closes the socket and every admin connection, and removes the socket file. */
    public void stop() {
        channels.close().awaitUninterruptibly();
        readers.shutdownNow();
        try {
            readers.awaitTermination(2, TimeUnit.SECONDS);
            Files.deleteIfExists(socket);
        } catch (IOException e) {
            LOG.warning(() -> "cannot remove the admin socket " + socket + ": " + e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
