package dev.hostel.gateway.server;

import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpRequest;

/**
 * What is known about one request once it is answered: who asked what, which site answered, with which
 * status, how many body bytes and how long it took. Filled in along the request's way and handed to the
 * {@link RequestObserver} once, when the response is written (or the exchange is abandoned).
 */
public final class RequestRecord {
    private final long startNanos = System.nanoTime();
    private final long startMillis = System.currentTimeMillis();
    private final String clientIp;
    private final String method;
    private final String uri;
    private final String protocol;
    private final String host;
    private final String referer;
    private final String userAgent;
    private String site;
    private int status;
    private long bytes;
    private long endNanos;

    RequestRecord(HttpRequest request, String clientIp) {
        this.clientIp = clientIp;
        this.method = request.method().name();
        this.uri = request.uri();
        this.protocol = request.protocolVersion().text();
        this.host = request.headers().get(HttpHeaderNames.HOST);
        this.referer = request.headers().get(HttpHeaderNames.REFERER);
        this.userAgent = request.headers().get(HttpHeaderNames.USER_AGENT);
    }

    void site(String name) {
        this.site = name;
    }

    void status(int code) {
        this.status = code;
    }

    void addBytes(long n) {
        this.bytes += n;
    }

    void end() {
        this.endNanos = System.nanoTime();
    }

    /** The site that answered, or {@code null} when no site matched the Host. */
    public String site() {
        return site;
    }

    /** The status sent; 0 when the client went away before any. */
    public int status() {
        return status;
    }

    /** Response body bytes sent. */
    public long bytes() {
        return bytes;
    }

    public long durationNanos() {
        return (endNanos == 0 ? System.nanoTime() : endNanos) - startNanos;
    }

    public long startMillis() {
        return startMillis;
    }

    public String clientIp() {
        return clientIp;
    }

    public String method() {
        return method;
    }

    public String uri() {
        return uri;
    }

    public String protocol() {
        return protocol;
    }

    /** The Host header, or {@code null}. */
    public String host() {
        return host;
    }

    public String referer() {
        return referer;
    }

    public String userAgent() {
        return userAgent;
    }
}
