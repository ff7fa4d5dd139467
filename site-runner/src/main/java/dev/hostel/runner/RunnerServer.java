package dev.hostel.runner;

import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.IoHandlerFactory;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.ServerChannel;
import io.netty.channel.WriteBufferWaterMark;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.epoll.EpollServerDomainSocketChannel;
import io.netty.channel.group.ChannelGroup;
import io.netty.channel.group.DefaultChannelGroup;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.nio.NioServerDomainSocketChannel;
import io.netty.channel.unix.DomainSocketAddress;
import io.netty.util.concurrent.GlobalEventExecutor;
import java.io.IOException;
import java.net.SocketAddress;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.SocketChannel;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.Locale;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

/**
 * The runner's HTTP/1.1 server on a Unix domain socket, with its worker pool.
 *
 * <p>Life cycle: {@code NEW → STARTED → STOPPING → STOPPED}. {@link #start()} removes a stale socket
 * file (never a regular file, never a socket someone still listens on), binds, and makes the socket
 * readable by its owner only; a failed start releases what it took. {@link #stop(Duration)} stops
 * accepting, lets requests in flight finish for up to the grace period (their responses ask the
 * gateway to close the connection), closes every connection, and deletes the socket file. It is
 * idempotent and may be called from a shutdown hook.
 *
 * <p>One event loop thread serves all connections: it only moves bytes, Python runs on the workers. It also runs
 * the {@link IdleTrim} check that gives memory back after a while without requests.
 */
public final class RunnerServer {
    /** How the socket is served: native epoll where available, else the JDK's Unix-domain NIO. */
    enum Transport {
        EPOLL(EpollIoHandler::newFactory, EpollServerDomainSocketChannel.class),
        NIO(NioIoHandler::newFactory, NioServerDomainSocketChannel.class);

        private final Supplier<IoHandlerFactory> ioHandler;
        private final Class<? extends ServerChannel> channel;

        Transport(Supplier<IoHandlerFactory> ioHandler, Class<? extends ServerChannel> channel) {
            this.ioHandler = ioHandler;
            this.channel = channel;
        }

        static Transport best() {
            return Epoll.isAvailable() ? EPOLL : NIO;
        }

        SocketAddress address(Path socket) {
            return this == EPOLL ? new DomainSocketAddress(socket.toString()) : UnixDomainSocketAddress.of(socket);
        }
    }

    private enum State { NEW, STARTED, STOPPING, STOPPED }

    private final Path socket;
    private final JythonApp app;
    private final Transport transport;
    private final Workers workers;
    private final IdleTrim idleTrim;
    private final CountDownLatch stopped = new CountDownLatch(1);
    private State state = State.NEW;
    private EventLoopGroup group;
    private ChannelGroup channels;
    private Channel serverChannel;
    private volatile boolean bound;

    /** A server for {@code app} on {@code socket} with {@code threads} workers, on the best transport. */
    public RunnerServer(Path socket, JythonApp app, int threads) {
        this(socket, app, threads, Transport.best());
    }

    RunnerServer(Path socket, JythonApp app, int threads, Transport transport) {
        this(socket, app, threads, transport, null);
    }

    /**
     * A server on an event loop made beforehand ({@link #newEventLoopGroup}) by a spare runner, which the server
     * owns from now on; {@code null} makes one at {@link #start()}.
     */
    RunnerServer(Path socket, JythonApp app, int threads, Transport transport, EventLoopGroup group) {
        this.socket = socket;
        this.app = app;
        this.transport = transport;
        this.workers = new Workers(app, threads);
        this.idleTrim = new IdleTrim(IdleTrim.configured(), workers::lastActivityNanos, workers::inFlight,
                IdleTrim::collect);
        this.group = group;
    }

    /** The one event loop thread of a server on {@code transport}. */
    static EventLoopGroup newEventLoopGroup(Transport transport) {
        return new MultiThreadIoEventLoopGroup(1, transport.ioHandler.get());
    }

    /**
     * Listens on the socket.
     *
     * @throws IOException if the socket cannot be bound; nothing is left running then
     */
    public void start() throws IOException {
        synchronized (this) {
            if (state != State.NEW) {
                throw new IllegalStateException("server already " + state);
            }
            state = State.STARTED;
        }
        try {
            removeStaleSocket();
            if (group == null) {
                group = newEventLoopGroup(transport);
            }
            channels = new DefaultChannelGroup("runner-" + app.site(), GlobalEventExecutor.INSTANCE);
            ServerBootstrap bootstrap = new ServerBootstrap()
                    .group(group)
                    .channel(transport.channel)
                    .childOption(ChannelOption.WRITE_BUFFER_WATER_MARK, new WriteBufferWaterMark(32 * 1024, 64 * 1024))
                    .childHandler(new RunnerChannelInitializer(app, workers, channels));
            serverChannel = bootstrap.bind(transport.address(socket)).sync().channel();
            bound = true;
            idleTrim.start(group);
            Files.setPosixFilePermissions(socket, PosixFilePermissions.fromString("rw-------"));
        } catch (Exception e) {
            stop(Duration.ZERO);
            if (e instanceof InterruptedException) {
                Thread.currentThread().interrupt();
            }
            throw new IOException("cannot listen on " + socket + ": " + e.getMessage(), e);
        }
    }

    /** The transport in use, for logs and tests. */
    String transport() {
        return transport.name().toLowerCase(Locale.ROOT);
    }

    /** The socket path. */
    public Path socket() {
        return socket;
    }

    /**
     * Stops accepting, waits up to {@code grace} for requests in flight, closes every connection and
     * deletes the socket file. Returns once stopped; concurrent callers wait for the first.
     */
    public void stop(Duration grace) {
        boolean first;
        synchronized (this) {
            first = state != State.STOPPING && state != State.STOPPED;
            state = State.STOPPING;
        }
        if (!first) {
            awaitStopped();
            return;
        }
        try {
            idleTrim.stop();
            if (serverChannel != null) {
                serverChannel.close().awaitUninterruptibly();
            }
            if (!workers.drain(grace)) {
                Log.info(workers.inFlight() + " request(s) still running after " + grace.toMillis()
                        + " ms; closing their connections");
            }
            if (channels != null) {
                channels.close().awaitUninterruptibly();
            }
            workers.shutdownNow();
            if (group != null) {
                group.shutdownGracefully(0, 2, TimeUnit.SECONDS).awaitUninterruptibly();
            }
            if (bound) {
                Files.deleteIfExists(socket);
            }
        } catch (IOException e) {
            Log.info("cannot delete " + socket + ": " + e);
        } finally {
            synchronized (this) {
                state = State.STOPPED;
            }
            stopped.countDown();
        }
    }

    /** Waits until {@link #stop} has finished. */
    public void awaitStopped() {
        boolean interrupted = false;
        while (true) {
            try {
                stopped.await();
                break;
            } catch (InterruptedException e) {
                interrupted = true;
            }
        }
        if (interrupted) {
            Thread.currentThread().interrupt();
        }
    }

    /** Deletes a socket file left by a dead runner; refuses to touch anything else. */
    private void removeStaleSocket() throws IOException {
        if (!Files.exists(socket, LinkOption.NOFOLLOW_LINKS)) {
            return;
        }
        BasicFileAttributes attributes = Files.readAttributes(socket, BasicFileAttributes.class,
                LinkOption.NOFOLLOW_LINKS);
        if (!attributes.isOther()) {
            throw new IOException(socket + " exists and is not a socket; not replacing it");
        }
        boolean live;
        try (SocketChannel probe = SocketChannel.open(StandardProtocolFamily.UNIX)) {
            probe.connect(UnixDomainSocketAddress.of(socket));
            live = true;
        } catch (IOException refused) {
            live = false;
        }
        if (live) {
            throw new IOException("another process is listening on " + socket);
        }
        Files.delete(socket);
    }
}
