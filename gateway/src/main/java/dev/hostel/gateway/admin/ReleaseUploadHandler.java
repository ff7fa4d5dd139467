package dev.hostel.gateway.admin;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.handler.codec.http.QueryStringDecoder;
import io.netty.util.ReferenceCountUtil;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.concurrent.CompletableFuture;
import java.util.function.Function;
import java.util.logging.Logger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Streams the body of {@code POST /sites/NAME/releases} (a tar or tar.gz of the site's code) into a file, so that
 * an archive of any size never sits in memory (the aggregator behind it holds whole requests of at most 1 MB),
 * then hands the file to the API and writes its answer. Every other request passes through untouched. Reading is
 * driven by this handler while it uploads (auto-read is off on admin connections): the next piece is read once
 * the last one is on disk, so a fast client is held back by the disk, not buffered. The writes are small and go to
 * the page cache; they stay on the event loop.
 */
final class ReleaseUploadHandler extends ChannelInboundHandlerAdapter {
    private static final Logger LOG = Logger.getLogger(ReleaseUploadHandler.class.getName());
    static final Pattern RELEASES = Pattern.compile("/sites/([a-z0-9][a-z0-9_.-]{0,63})/releases/?");
    /** No site's code is bigger; a site's own {@code disk} quota is checked as it is unpacked. */
    static final long MAX_ARCHIVE = 1L << 30;

    private final Path uploads;
    private final Function<ReleaseUpload, CompletableFuture<AdminResponse>> deploy;
    private ReleaseUpload upload;
    /** The upload's request, for {@link CtlOutput} to answer as {@code hostel ctl deploy} prints it. */
    private AdminRequest uploadRequest;
    private FileChannel file;
    private long received;
    private boolean keepAlive;
    private AdminException refused;

    ReleaseUploadHandler(Path uploads, Function<ReleaseUpload, CompletableFuture<AdminResponse>> deploy) {
        this.uploads = uploads;
        this.deploy = deploy;
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) throws IOException {
        if (msg instanceof HttpRequest request && upload == null && isUpload(request)) {
            ReferenceCountUtil.release(msg);
            begin(ctx, request);
            return;
        }
        if (upload == null || !(msg instanceof HttpContent content)) {
            ctx.fireChannelRead(msg);
            return;
        }
        try {
            write(content.content());
        } finally {
            content.release();
        }
        if (msg instanceof LastHttpContent) {
            finish(ctx);
        }
    }

    @Override
    public void channelReadComplete(ChannelHandlerContext ctx) {
        if (upload != null) {
            ctx.read(); // the piece read is on disk: read the next
        } else {
            ctx.fireChannelReadComplete();
        }
    }

    private static boolean isUpload(HttpRequest request) {
        return HttpMethod.POST.equals(request.method())
                && RELEASES.matcher(new QueryStringDecoder(request.uri()).path()).matches();
    }

    private void begin(ChannelHandlerContext ctx, HttpRequest request) throws IOException {
        Matcher m = RELEASES.matcher(new QueryStringDecoder(request.uri()).path());
        m.matches();
        keepAlive = HttpUtil.isKeepAlive(request);
        Long uid = ctx.channel().attr(PeerCredentialsFilter.PEER_UID).get();
        QueryStringDecoder uri = new QueryStringDecoder(request.uri());
        CtlOutput.Form form = CtlOutput.Form.API;
        refused = null;
        try {
            form = CtlOutput.Form.of(uri.parameters(), request.headers().get(HttpHeaderNames.ACCEPT));
        } catch (AdminException e) {
            refused = e; // answered once the body is read
        }
        uploadRequest = new AdminRequest("POST", uri.path(), "application/x-tar", "", uid == null ? -1 : uid, form);
        Files.createDirectories(uploads);
        Path archive = Files.createTempFile(uploads, m.group(1) + "-", ".tar");
        upload = new ReleaseUpload(m.group(1), archive, "POST releases from "
                + (uid == null || uid < 0 ? "an unknown user" : "uid " + uid));
        file = FileChannel.open(archive, StandardOpenOption.WRITE);
        received = 0;
        if (refused == null && HttpUtil.getContentLength(request, -1L) > MAX_ARCHIVE) {
            refused = tooLarge();
        } else if (refused == null && HttpUtil.is100ContinueExpected(request)) {
            ctx.writeAndFlush(new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.CONTINUE));
        }
    }

    private void write(ByteBuf bytes) throws IOException {
        received += bytes.readableBytes();
        if (received > MAX_ARCHIVE && refused == null) {
            refused = tooLarge();
        }
        if (refused == null) {
            bytes.readBytes(file, file.position(), bytes.readableBytes());
            file.position(file.size());
        }
    }

    private static AdminException tooLarge() {
        return new AdminException(413, "the archive is larger than " + (MAX_ARCHIVE >> 20) + " MB");
    }

    private void finish(ChannelHandlerContext ctx) throws IOException {
        file.close();
        ReleaseUpload done = upload;
        AdminRequest asked = uploadRequest;
        upload = null;
        uploadRequest = null;
        file = null;
        CompletableFuture<AdminResponse> answer = (refused != null
                ? CompletableFuture.completedFuture(AdminResponse.error(refused))
                : deploy.apply(done)).thenApply(a -> CtlOutput.render(asked, a));
        answer.whenComplete((response, failure) -> {
            try {
                Files.deleteIfExists(done.archive());
            } catch (IOException e) {
                LOG.warning(() -> "cannot remove the upload " + done.archive() + ": " + e);
            }
            ctx.executor().execute(() -> AdminHttpHandler.write(ctx, response != null ? response
                    : AdminResponse.error(500, "internal error: " + failure), keepAlive));
        });
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) throws IOException {
        if (upload != null) {
            file.close();
            Files.deleteIfExists(upload.archive());
            upload = null;
        }
        ctx.fireChannelInactive();
    }
}
