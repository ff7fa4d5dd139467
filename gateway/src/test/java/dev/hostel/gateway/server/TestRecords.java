package dev.hostel.gateway.server;

import io.netty.handler.codec.http.DefaultHttpRequest;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpVersion;

/** Builds {@link RequestRecord}s for the tests of the observers (access log, metrics) in other packages. */
public final class TestRecords {
    private TestRecords() {
    }

    /** An answered request; {@code site} null means no site matched, {@code referer}/{@code userAgent} may be null. */
    public static RequestRecord answered(String site, String method, String uri, int status, long bytes,
                                         String referer, String userAgent) {
        HttpRequest request = new DefaultHttpRequest(HttpVersion.HTTP_1_1, HttpMethod.valueOf(method), uri);
        request.headers().set(HttpHeaderNames.HOST, site == null ? "nobody.test" : site + ".test");
        if (referer != null) {
            request.headers().set(HttpHeaderNames.REFERER, referer);
        }
        if (userAgent != null) {
            request.headers().set(HttpHeaderNames.USER_AGENT, userAgent);
        }
        RequestRecord record = new RequestRecord(request, "127.0.0.1");
        record.site(site);
        record.status(status);
        record.addBytes(bytes);
        record.end();
        return record;
    }
}
