package dev.hostel.gateway.admin;

import io.netty.channel.Channel;
import io.netty.channel.ChannelInitializer;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.HttpServerCodec;

import java.nio.file.Path;
import java.util.concurrent.CompletableFuture;
import java.util.function.Function;

/**
 * The pipeline of every admin connection (and, with no peer check, of the metrics listener's), assembled here and
 * nowhere else:
 * <pre>
 *   codec       HTTP/1.1 server codec
 *   peer        SO_PEERCRED check: only Hostel's own user and root (admin socket only)
 *   releases    POST /sites/NAME/releases: the archive streamed to a file, deployed (admin socket only)
 *   aggregator  whole requests of at most {@value #MAX_BODY} bytes (413 above): a site file is small
 *   api         the endpoints, run off the event loop
 * </pre>
 * Auto-read is off: the API handler reads the next request only once the previous one is answered.
 */
final class AdminChannelInitializer extends ChannelInitializer<Channel> {
    static final int MAX_BODY = 1024 * 1024;

    private final Function<AdminRequest, CompletableFuture<AdminResponse>> api;
    private final boolean checkPeer;
    private final Path uploads;
    private final Function<ReleaseUpload, CompletableFuture<AdminResponse>> deploy;

    /** Release uploads are streamed into {@code uploads} and handed to {@code deploy}. */
    AdminChannelInitializer(Function<AdminRequest, CompletableFuture<AdminResponse>> api, boolean checkPeer,
                            Path uploads, Function<ReleaseUpload, CompletableFuture<AdminResponse>> deploy) {
        this.api = api;
        this.checkPeer = checkPeer;
        this.uploads = uploads;
        this.deploy = deploy;
    }

    @Override
    protected void initChannel(Channel ch) {
        ch.pipeline().addLast("codec", new HttpServerCodec());
        if (checkPeer) {
            ch.pipeline().addLast("peer", new PeerCredentialsFilter());
        }
        ch.pipeline().addLast("releases", new ReleaseUploadHandler(uploads, deploy));
        ch.pipeline()
                .addLast("aggregator", new HttpObjectAggregator(MAX_BODY))
                .addLast("api", new AdminHttpHandler(api));
    }
}
