package dev.hostel.gateway.server;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.DefaultFileRegion;
import io.netty.handler.codec.DateFormatter;
import io.netty.handler.codec.http.DefaultHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpResponseEncoder;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.LastHttpContent;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Date;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Answers a GET or HEAD for a file from disk: Content-Type, Last-Modified and ETag (RFC 9110 section 8.8),
 * conditional requests with If-None-Match and If-Modified-Since (section 13), byte ranges (section 14; several
 * as {@code multipart/byteranges}),
 * and the body sent as a {@link DefaultFileRegion}, which the transport turns into {@code sendfile}.
 */
final class StaticFileResponder {
    private static final byte[] NO_BYTES = {};
    private static final byte[] CONNECTION_CLOSE = (HttpHeaderNames.CONNECTION + ": " + HttpHeaderValues.CLOSE
            + "\r\n").getBytes(StandardCharsets.ISO_8859_1);
    private static final int CRLF = ('\r' << 8) | '\n';

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

        List<ByteRange.Span> spans = null;
        String range = in.get(HttpHeaderNames.RANGE);
        String ifRange = in.get(HttpHeaderNames.IF_RANGE);
        if (range != null && (ifRange == null || ifRange.equals(etag))) {
            spans = ByteRange.parse(range, length);
            if (spans == ByteRange.UNSATISFIABLE) {
                HttpResponse response = head(HttpResponseStatus.REQUESTED_RANGE_NOT_SATISFIABLE, found, keepAlive);
                response.headers().set(HttpHeaderNames.CONTENT_RANGE, "bytes */" + length);
                record.status(response.status().code());
                HttpUtil.setContentLength(response, 0);
                ctx.write(response);
                return ctx.writeAndFlush(LastHttpContent.EMPTY_LAST_CONTENT);
            }
        }
        if (spans != null && spans.size() > 1) {
            return multipart(ctx, request, found, keepAlive, record, spans);
        }

        if (spans == null && found.content() != null) {
            return whole(ctx, request, found, keepAlive, record);
        }
        ByteRange.Span span = spans == null ? new ByteRange.Span(0, length - 1) : spans.get(0);
        HttpResponseStatus status = spans == null ? HttpResponseStatus.OK : HttpResponseStatus.PARTIAL_CONTENT;
        HttpResponse response = head(status, found, keepAlive);
        response.headers().set(HttpHeaderNames.CONTENT_TYPE, found.contentType());
        response.headers().set(HttpHeaderNames.ACCEPT_RANGES, "bytes");
        if (status == HttpResponseStatus.PARTIAL_CONTENT) {
            response.headers().set(HttpHeaderNames.CONTENT_RANGE, contentRange(span, length));
        }
        long count = span.length();
        HttpUtil.setContentLength(response, count);
        record.status(status.code());
        ctx.write(response);
        if (!request.method().equals(HttpMethod.HEAD) && count > 0) {
            ctx.write(new DefaultFileRegion(file.toFile(), span.first(), count));
            record.addBytes(count);
        }
        return ctx.writeAndFlush(LastHttpContent.EMPTY_LAST_CONTENT);
    }

    /**
     * A small file's whole response from memory: its head, encoded when the file was looked up, and its bytes, in
     * one buffer and one write (one packet, as nginx's {@code tcp_nopush} makes of a head and a sendfile). The
     * bytes are written from the context before the response encoder (the encoder sees whole responses only).
     */
    private static ChannelFuture whole(ChannelHandlerContext ctx, HttpRequest request, StaticFiles.Found found,
                                       boolean keepAlive, RequestRecord record) {
        boolean head = request.method().equals(HttpMethod.HEAD);
        byte[] connection = keepAlive ? NO_BYTES : CONNECTION_CLOSE;
        int bodyLength = head ? 0 : found.content().length;
        ByteBuf out = ctx.alloc().directBuffer(found.okHead().length + connection.length + 2 + bodyLength);
        out.writeBytes(found.okHead()).writeBytes(connection).writeShort(CRLF);
        if (!head) {
            out.writeBytes(found.content());
            record.addBytes(bodyLength);
        }
        record.status(HttpResponseStatus.OK.code());
        return ctx.pipeline().context(HttpResponseEncoder.class).writeAndFlush(out);
    }

    /**
     * Several ranges: a {@code multipart/byteranges} body (RFC 9110 section 14.6), each part a head with its
     * Content-Type and Content-Range followed by its bytes, sent from the file as the single range is.
     */
    private static ChannelFuture multipart(ChannelHandlerContext ctx, HttpRequest request, StaticFiles.Found found,
                                           boolean keepAlive, RequestRecord record, List<ByteRange.Span> spans) {
        String boundary = Long.toHexString(ThreadLocalRandom.current().nextLong() | Long.MIN_VALUE);
        List<ByteBuf> heads = new ArrayList<>();
        long total = 0;
        for (ByteRange.Span span : spans) {
            ByteBuf partHead = Unpooled.copiedBuffer("\r\n--" + boundary + "\r\nContent-Type: " + found.contentType()
                    + "\r\nContent-Range: " + contentRange(span, found.size()) + "\r\n\r\n", StandardCharsets.US_ASCII);
            heads.add(partHead);
            total += partHead.readableBytes() + span.length();
        }
        ByteBuf end = Unpooled.copiedBuffer("\r\n--" + boundary + "--\r\n", StandardCharsets.US_ASCII);
        total += end.readableBytes();

        HttpResponse response = head(HttpResponseStatus.PARTIAL_CONTENT, found, keepAlive);
        response.headers().set(HttpHeaderNames.CONTENT_TYPE, "multipart/byteranges; boundary=" + boundary);
        response.headers().set(HttpHeaderNames.ACCEPT_RANGES, "bytes");
        HttpUtil.setContentLength(response, total);
        record.status(HttpResponseStatus.PARTIAL_CONTENT.code());
        ctx.write(response);
        if (request.method().equals(HttpMethod.HEAD)) {
            heads.forEach(ByteBuf::release);
            end.release();
        } else {
            for (int i = 0; i < spans.size(); i++) {
                ctx.write(heads.get(i));
                ctx.write(new DefaultFileRegion(found.file().toFile(), spans.get(i).first(), spans.get(i).length()));
            }
            ctx.write(end);
            record.addBytes(total);
        }
        return ctx.writeAndFlush(LastHttpContent.EMPTY_LAST_CONTENT);
    }

    private static String contentRange(ByteRange.Span span, long length) {
        return "bytes " + span.first() + "-" + span.last() + "/" + length;
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
