package dev.hostel.gateway.admin;

import com.sun.security.auth.module.UnixSystem;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.epoll.EpollDomainSocketChannel;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.util.AttributeKey;
import io.netty.util.ReferenceCountUtil;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.logging.Logger;

/**
 * Sits after the HTTP codec of the admin pipeline: serves only the user Hostel runs as, and root, as the kernel
 * tells them of the peer of a Unix socket connection (SO_PEERCRED on Linux, read when the connection opens). Any
 * other user's request gets 403 and the connection is closed. With the NIO transport Netty cannot read the
 * credentials; the socket's mode (0600, in a 0700 directory) is then the only guard, and the user is unknown.
 */
final class PeerCredentialsFilter extends ChannelInboundHandlerAdapter {
    private static final Logger LOG = Logger.getLogger(PeerCredentialsFilter.class.getName());
    /** The peer's uid, or -1 when unknown; read by the API handler for the log. */
    static final AttributeKey<Long> PEER_UID = AttributeKey.valueOf("hostel.peer.uid");
    /** The uid of this process, or -1 when it cannot be read. */
    static final long OWN_UID = ownUid();

    private boolean allowed = true;

    @Override
    public void channelActive(ChannelHandlerContext ctx) {
        long uid = peerUid(ctx.channel());
        ctx.channel().attr(PEER_UID).set(uid);
        allowed = uid < 0 || OWN_UID < 0 || uid == OWN_UID || uid == 0;
        if (!allowed) {
            LOG.warning(() -> "admin socket: refused a connection from uid " + uid + " (Hostel runs as uid "
                    + OWN_UID + ")");
        }
        ctx.fireChannelActive();
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (allowed) {
            ctx.fireChannelRead(msg);
            return;
        }
        ReferenceCountUtil.release(msg);
        byte[] body = "{\"error\": \"forbidden: only the user Hostel runs as, and root, may use this socket\"}\n"
                .getBytes(StandardCharsets.UTF_8);
        FullHttpResponse response = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.FORBIDDEN,
                Unpooled.wrappedBuffer(body));
        response.headers()
                .set(HttpHeaderNames.CONTENT_TYPE, AdminResponse.JSON)
                .setInt(HttpHeaderNames.CONTENT_LENGTH, body.length)
                .set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE);
        ctx.writeAndFlush(response).addListener(ChannelFutureListener.CLOSE);
    }

    private static long peerUid(Channel channel) {
        if (channel instanceof EpollDomainSocketChannel epoll) {
            try {
                return epoll.peerCredentials().uid();
            } catch (IOException e) {
                LOG.warning(() -> "admin socket: cannot read the peer's credentials: " + e);
                return Long.MIN_VALUE;
            }
        }
        return -1;
    }

    private static long ownUid() {
        try {
            return new UnixSystem().getUid();
        } catch (RuntimeException | LinkageError e) {
            return -1;
        }
    }
}
