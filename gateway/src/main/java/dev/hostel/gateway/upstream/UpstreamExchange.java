package dev.hostel.gateway.upstream;

import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpResponse;

/**
 * The receiving end of one proxied request: what the runner answers is handed here, on the event loop of the
 * client's connection (which is also the runner connection's event loop).
 */
public interface UpstreamExchange {
    /** The response's status line and headers. */
    void onResponseHead(HttpResponse head);

    /** A piece of the response body; a {@link io.netty.handler.codec.http.LastHttpContent} ends it. */
    void onResponseContent(HttpContent content);

    /**
     * The end of one read from the runner connection: the moment to flush what was relayed and to ask for more
     * (if the client keeps up), once per batch rather than once per message.
     */
    void onUpstreamReadComplete();

    /** The runner connection broke before the response ended. */
    void onUpstreamFailure(Throwable cause);
}
