package dev.hostel.gateway.server;

import io.netty.handler.codec.http.DefaultHttpHeaders;
import io.netty.handler.codec.http.HttpHeaders;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;

/**
 * The gateway's header rewriting at the proxy boundary, {@link ForwardedHeaders}: {@code toRunner} on a browser's
 * GET (8 headers, {@code Connection: keep-alive} among them) and {@code toClient} on a runner's response head (5
 * headers). Both rewrite in place, so every operation first copies the template; {@link #copyRequestOnly} and
 * {@link #copyResponseOnly} measure that copy alone, to subtract.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
public class HeaderRewriteBenchmark {
    private HttpHeaders request;
    private HttpHeaders response;

    @Setup
    public void setUp() {
        request = new DefaultHttpHeaders()
                .add("Host", "blog.example.com")
                .add("User-Agent", "Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0")
                .add("Accept", "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8")
                .add("Accept-Language", "en-US,en;q=0.5")
                .add("Accept-Encoding", "gzip, deflate")
                .add("Referer", "http://blog.example.com/index.html")
                .add("Cookie", "session=5f2b8c1e9a; theme=dark")
                .add("Connection", "keep-alive");
        response = new DefaultHttpHeaders()
                .add("Content-Type", "text/html; charset=utf-8")
                .add("Content-Length", "5120")
                .add("Cache-Control", "no-cache")
                .add("Set-Cookie", "session=5f2b8c1e9a; Path=/; HttpOnly")
                .add("X-Frame-Options", "SAMEORIGIN");
        HttpHeaders r = request.copy();
        ForwardedHeaders.toRunner(r, "203.0.113.7", "http", 8080);
        if (r.contains("Connection") || !"203.0.113.7".equals(r.get("X-Forwarded-For"))) {
            throw new IllegalStateException("unexpected toRunner result: " + r);
        }
        if (!ForwardedHeaders.toClient(response.copy())) {
            throw new IllegalStateException("toClient refused a clean response");
        }
    }

    @Benchmark
    public HttpHeaders toRunner() {
        HttpHeaders h = request.copy();
        ForwardedHeaders.toRunner(h, "203.0.113.7", "http", 8080);
        return h;
    }

    @Benchmark
    public boolean toClient() {
        return ForwardedHeaders.toClient(response.copy());
    }

    @Benchmark
    public HttpHeaders copyRequestOnly() {
        return request.copy();
    }

    @Benchmark
    public HttpHeaders copyResponseOnly() {
        return response.copy();
    }
}
