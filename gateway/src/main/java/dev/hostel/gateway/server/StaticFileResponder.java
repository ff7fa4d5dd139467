package dev.hostel.gateway.server;

import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.DefaultFileRegion;
import io.netty.handler.codec.DateFormatter;
import io.netty.handler.codec.http.DefaultHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.LastHttpContent;

import java.nio.file.Path;
import java.util.Date;

/**
 * Answers a GET or HEAD for a file from disk: Content-Type, Last-Modified and ETag (RFC 9110 section 8.8),
 * conditional requests with If-None-Match and If-Modified-Since (section 13), a single byte range (section 14),
 * and the body sent as a {@link DefaultFileRegion}, which the transport turns into {@code sendfile}.
 */
final class StaticFileResponder {
    private StaticFileResponder() {
    }

    /** Writes the whole response and returns the future of its last write. */
    static ChannelFuture respond(ChannelHandlerContext ctx, HttpRequest request, StaticFiles.Found found,
                                 boolean keepAlive, RequestRecord record) {
        Path file = found.file();
        long length = found.size();
        long mtimeSeconds = found.mtimeSeconds();
        String etag = found.etag();
        HttpHeaders in = request.headers();

        if (notModified(in, etag, mtimeSeconds)) {
            record.status(HttpResponseStatus.NOT_MODIFIED.code());
            ctx.write(head(HttpResponseStatus.NOT_MODIFIED, found, keepAlive));
            return ctx.writeAndFlush(LastHttpContent.EMPTY_LAST_CONTENT);
        }

        long start = 0;
        long count = length;
        HttpResponseStatus status = HttpResponseStatus.OK;
        String range = in.get(HttpHeaderNames.RANGE);
        String ifRange = in.get(HttpHeaderNames.IF_RANGE);
        if (range != null && (ifRange == null || ifRange.equals(etag))) {
            long[] span = ByteRange.parse(range, length);
            if (span == ByteRange.UNSATISFIABLE) {
                HttpResponse response = head(HttpResponseStatus.REQUESTED_RANGE_NOT_SATISFIABLE, found, keepAlive);
                response.headers().set(HttpHeaderNames.CONTENT_RANGE, "bytes */" + length);
                record.status(response.status().code());
                HttpUtil.setContentLength(response, 0);
                ctx.write(response);
                return ctx.writeAndFlush(LastHttpContent.EMPTY_LAST_CONTENT);
            }
            if (span != null) {
                start = span[0];
                count = span[1] - span[0] + 1;
                status = HttpResponseStatus.PARTIAL_CONTENT;
            }
        }

        HttpResponse response = head(status, found, keepAlive);
        response.headers().set(HttpHeaderNames.CONTENT_TYPE, found.contentType());
        response.headers().set(HttpHeaderNames.ACCEPT_RANGES, "bytes");
        if (status == HttpResponseStatus.PARTIAL_CONTENT) {
            response.headers().set(HttpHeaderNames.CONTENT_RANGE,
                    "bytes " + start + "-" + (start + count - 1) + "/" + length);
        }
        HttpUtil.setContentLength(response, count);
        record.status(status.code());
        ctx.write(response);
        if (!request.method().equals(HttpMethod.HEAD) && count > 0) {
            ctx.write(new DefaultFileRegion(file.toFile(), start, count));
            record.addBytes(count);
        }
        return ctx.writeAndFlush(LastHttpContent.EMPTY_LAST_CONTENT);
    }

    private static boolean notModified(HttpHeaders in, String etag, long mtimeSeconds) {
        String ifNoneMatch = in.get(HttpHeaderNames.IF_NONE_MATCH);
        if (ifNoneMatch != null) {
            for (String tag : ifNoneMatch.split(",")) {
                String t = tag.trim();
                if (t.startsWith("W/")) {
                    t = t.substring(2);
                }
                if (t.equals("*") || t.equals(etag)) {
                    return true;
                }
            }
            return false;
        }
        String ims = in.get(HttpHeaderNames.IF_MODIFIED_SINCE);
        if (ims != null) {
            Date since = DateFormatter.parseHttpDate(ims);
            return since != null && mtimeSeconds <= since.getTime() / 1000;
        }
        return false;
    }

    private static HttpResponse head(HttpResponseStatus status, StaticFiles.Found found, boolean keepAlive) {
        HttpResponse response = new DefaultHttpResponse(HttpVersion.HTTP_1_1, status);
        response.headers()
                .set(HttpHeaderNames.ETAG, found.etag())
                .set(HttpHeaderNames.LAST_MODIFIED, found.lastModified());
        HttpUtil.setKeepAlive(response, keepAlive);
        return response;
    }
}
