package dev.hostel.gateway.server;

import dev.hostel.gateway.config.ConnectionLimits;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.util.ReferenceCountUtil;

import java.lang.management.ManagementFactory;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.logging.Logger;

/**
 * {@code max_connections} and {@code max_connections_per_address}, checked as a connection is accepted (like
 * nginx's {@code worker_connections} and {@code limit_conn}). A connection over a limit is answered a bare 503
 * and closed, after its first read so that the client's request does not turn the close into a reset; it
 * never reaches the HTTP pipeline. Without a limit the gateway would run out of descriptors, and the
 * kernel's EMFILE would refuse everyone, runners' sockets and temporary files included.
 */
final class ConnectionLimiter {
    private static final Logger LOG = Logger.getLogger(ConnectionLimiter.class.getName());
    /** Descriptors kept for everything but client connections when the limit comes from the open-file limit. */
    static final int RESERVED_DESCRIPTORS = 1024;
    private static final long LOG_EVERY_NANOS = TimeUnit.MINUTES.toNanos(1);
    private static final byte[] REFUSAL = ("HTTP/1.1 503 Service Unavailable\r\nContent-Type: text/plain\r\n"
            + "Content-Length: 24\r\nRetry-After: " + ErrorResponses.RETRY_AFTER_SECONDS
            + "\r\nConnection: close\r\n\r\n503 Service Unavailable\n").getBytes(StandardCharsets.US_ASCII);

    private final int max;
    private final int perAddress;
    private final AtomicInteger open = new AtomicInteger();
    private final Map<InetAddress, AtomicInteger> byAddress = new ConcurrentHashMap<>();
    private final AtomicLong refused = new AtomicLong();
    private final AtomicLong lastLogged = new AtomicLong(System.nanoTime() - LOG_EVERY_NANOS);

    ConnectionLimiter(ConnectionLimits limits) {
        this.max = limits.max() > 0 ? limits.max() : fromOpenFileLimit();
        this.perAddress = limits.perAddress();
    }

    private static int fromOpenFileLimit() {
        if (ManagementFactory.getOperatingSystemMXBean() instanceof com.sun.management.UnixOperatingSystemMXBean os) {
            long fds = os.getMaxFileDescriptorCount();
            return (int) Math.max(64, Math.min(Integer.MAX_VALUE, (fds - RESERVED_DESCRIPTORS) / 3));
        }
        return 10_000;
    }

    int max() {
        return max;
    }

    /** Connections refused so far. */
    long refused() {
        return refused.get();
    }

    /**
     * Counts {@code ch} in, until it closes; or refuses it (answers 503 and closes it) and returns {@code false}.
     * Called as the connection is initialized, before any handler of the HTTP pipeline is added.
     */
    boolean admit(Channel ch) {
        if (open.incrementAndGet() > max) {
            open.decrementAndGet();
            refuse(ch, "max_connections (" + max + ")");
            return false;
        }
        InetAddress address = ch.remoteAddress() instanceof InetSocketAddress remote ? remote.getAddress() : null;
        if (perAddress > 0 && address != null) {
            AtomicInteger count = byAddress.computeIfAbsent(address, a -> new AtomicInteger());
            if (count.incrementAndGet() > perAddress) {
                release(address);
                open.decrementAndGet();
                refuse(ch, "max_connections_per_address (" + perAddress + ") for " + address.getHostAddress());
                return false;
            }
        }
        ch.closeFuture().addListener(f -> {
            open.decrementAndGet();
            if (perAddress > 0 && address != null) {
                release(address);
            }
        });
        return true;
    }

    private void release(InetAddress address) {
        byAddress.computeIfPresent(address, (a, count) -> count.decrementAndGet() <= 0 ? null : count);
    }

    private void refuse(Channel ch, String limit) {
        long n = refused.incrementAndGet();
        long now = System.nanoTime();
        long last = lastLogged.get();
        if (now - last >= LOG_EVERY_NANOS && lastLogged.compareAndSet(last, now)) {
            LOG.warning(() -> "connections refused with 503: " + limit + " reached (" + n + " refused so far)");
        }
        ch.pipeline().addLast("refusal", new ChannelInboundHandlerAdapter() {
            private boolean answered;

            @Override
            public void channelActive(ChannelHandlerContext ctx) {
                ctx.read();
                // A client that sends nothing first still gets its answer.
                ctx.executor().schedule(() -> answer(ctx), 1, TimeUnit.SECONDS);
            }

            @Override
            public void channelRead(ChannelHandlerContext ctx, Object msg) {
                ReferenceCountUtil.release(msg);
                answer(ctx);
            }

            private void answer(ChannelHandlerContext ctx) {
                if (!answered) {
                    answered = true;
                    ctx.writeAndFlush(Unpooled.wrappedBuffer(REFUSAL)).addListener(ChannelFutureListener.CLOSE);
                }
            }
        });
    }
}
