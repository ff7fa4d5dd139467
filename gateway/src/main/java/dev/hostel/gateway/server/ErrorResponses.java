package dev.hostel.gateway.server;

import dev.hostel.gateway.supervisor.SiteDownException;
import dev.hostel.gateway.upstream.UpstreamUnavailableException;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.handler.codec.TooLongFrameException;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.TooLongHttpHeaderException;
import io.netty.handler.codec.http.TooLongHttpLineException;

import java.nio.charset.StandardCharsets;

/**
 * The one place where a failure becomes what the client sees: the status (as the contract's table lists them)
 * and a short plain-text body that never carries internals such as a traceback or a socket path.
 */
public final class ErrorResponses {
    /** Seconds a client is told to wait before retrying a 503. */
    static final int RETRY_AFTER_SECONDS = 5;

    private ErrorResponses() {
    }

    /** The status for a request the decoder could not parse (RFC 9112 section 2.2: 400; sizes: 414 / 431; a version other than 1.x: 505). */
    static HttpResponseStatus forDecoderFailure(Throwable cause) {
        if (cause instanceof StrictHttpRequestDecoder.UnsupportedVersionException) {
            return HttpResponseStatus.HTTP_VERSION_NOT_SUPPORTED;
        }
        if (cause instanceof TooLongHttpLineException) {
            return HttpResponseStatus.REQUEST_URI_TOO_LONG;
        }
        if (cause instanceof TooLongHttpHeaderException) {
            return HttpResponseStatus.REQUEST_HEADER_FIELDS_TOO_LARGE;
        }
        if (cause instanceof TooLongFrameException) {
            return HttpResponseStatus.REQUEST_HEADER_FIELDS_TOO_LARGE;
        }
        return HttpResponseStatus.BAD_REQUEST;
    }

    /** The status for a request that could not reach a runner or whose runner failed before answering. */
    static HttpResponseStatus forUpstreamFailure(Throwable cause) {
        if (cause instanceof SiteDownException down) {
            return down.broken() ? HttpResponseStatus.BAD_GATEWAY : HttpResponseStatus.SERVICE_UNAVAILABLE;
        }
        if (cause instanceof UpstreamUnavailableException) {
            return HttpResponseStatus.SERVICE_UNAVAILABLE;
        }
        return HttpResponseStatus.BAD_GATEWAY;
    }

    /** A complete response with a one-line body; {@code close} adds {@code Connection: close}. */
    public static FullHttpResponse of(HttpResponseStatus status, boolean close) {
        return of(status, null, close);
    }

    /**
     * The same for a request that failed with {@code cause}: a site that is down says why in a second line (its
     * message is written for clients) and when to try again, in {@code Retry-After}, even with a 502.
     */
    static FullHttpResponse of(HttpResponseStatus status, Throwable cause, boolean close) {
        String text = status.code() + " " + status.reasonPhrase() + "\n";
        if (cause instanceof SiteDownException down) {
            text += down.getMessage() + "\n";
        }
        ByteBuf body = Unpooled.copiedBuffer(text, StandardCharsets.UTF_8);
        FullHttpResponse response = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, status, body);
        response.headers()
                .set(HttpHeaderNames.CONTENT_TYPE, HttpHeaderValues.TEXT_PLAIN)
                .setInt(HttpHeaderNames.CONTENT_LENGTH, body.readableBytes());
        if (cause instanceof SiteDownException down) {
            response.headers().set(HttpHeaderNames.RETRY_AFTER, Math.max(1, (down.retryAfter().toMillis() + 999) / 1000));
        } else if (status.equals(HttpResponseStatus.SERVICE_UNAVAILABLE)) {
            response.headers().setInt(HttpHeaderNames.RETRY_AFTER, RETRY_AFTER_SECONDS);
        }
        if (close) {
            response.headers().set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE);
        }
        return response;
    }
}
