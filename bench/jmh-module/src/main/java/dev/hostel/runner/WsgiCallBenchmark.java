package dev.hostel.runner;

import io.netty.bootstrap.Bootstrap;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.WriteBufferWaterMark;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.channel.group.ChannelGroup;
import io.netty.channel.group.DefaultChannelGroup;
import io.netty.channel.local.LocalAddress;
import io.netty.channel.local.LocalChannel;
import io.netty.channel.local.LocalIoHandler;
import io.netty.channel.local.LocalServerChannel;
import io.netty.handler.codec.http.DefaultHttpHeaders;
import io.netty.handler.codec.http.DefaultHttpRequest;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponseEncoder;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.util.ReferenceCountUtil;
import io.netty.util.concurrent.GlobalEventExecutor;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.infra.BenchmarkParams;
import org.python.core.PyObject;

/**
 * The runner's per-request path for a GET with 11 request headers (what a browser sends plus the gateway's
 * {@code X-Forwarded-*}) against the hello-world app, {@code sites/hello/hello.py} ({@code hello:application},
 * 13 bytes with a Content-Length). Jython is initialized once per fork, as the runner does it
 * ({@link JythonApp#load}: {@code python.import.site=false}).
 *
 * <ul>
 *   <li>{@link #environ}: {@link Environ#build} only, the PEP 3333 dict.
 *   <li>{@link #wsgiCall}: everything a worker thread does for one request, run directly on the benchmark
 *       thread: {@link WsgiCall#run} (environ, {@code app(environ, start_response)}, {@link StartResponse}'s
 *       validation, iterating the result, {@link ResponseWriter} writing head and body), through Netty's
 *       {@link HttpResponseEncoder} into an {@link EmbeddedChannel}; the encoded bytes are then released. No
 *       threads, no sockets, no request decoding.
 *   <li>{@link #roundTrip}: request bytes in, response bytes out, through the runner's real pipeline
 *       ({@link RunnerChannelInitializer}: {@code HttpServerCodec}, expect-continue, {@link WsgiRequestHandler})
 *       and its real {@link Workers} pool (1 thread), over Netty's in-VM {@link LocalChannel} instead of the Unix
 *       socket: decoding, the hand-off from the event loop to the worker and back, encoding. One request at a
 *       time on one keep-alive connection, as the gateway sends them; the client only counts bytes.
 * </ul>
 *
 * <p>Before JMH's warm-up, the trial's set-up runs the measured path untimed for 5 s
 * ({@code -Dhostel.bench.prewarm=SECONDS} in the fork): Jython's call path compiles slowly on 2 busy cores.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
public class WsgiCallBenchmark {
    /** The request head: 11 headers, as the gateway forwards a browser's GET. */
    static final List<String[]> HEADERS = List.of(
            new String[] {"Host", "hello.localhost"},
            new String[] {"User-Agent", "Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0"},
            new String[] {"Accept", "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"},
            new String[] {"Accept-Language", "en-US,en;q=0.5"},
            new String[] {"Accept-Encoding", "gzip, deflate"},
            new String[] {"Referer", "http://hello.localhost/index.html"},
            new String[] {"Cookie", "session=5f2b8c1e9a; theme=dark"},
            new String[] {"X-Forwarded-For", "127.0.0.1"},
            new String[] {"X-Forwarded-Proto", "http"},
            new String[] {"X-Forwarded-Host", "hello.localhost"},
            new String[] {"X-Forwarded-Port", "8080"});
    private static final String BODY = "Hello, world!";
    /** Untimed warm-up of the measured path in the trial's set-up; see {@link #preWarm}. */
    private static final long PRE_WARM_SECONDS = Long.getLong("hostel.bench.prewarm", 5);

    private JythonApp app;
    private HttpRequest request;

    // wsgiCall: the embedded channel the response is encoded into
    private EmbeddedChannel embedded;
    private ChannelHandlerContext ctx;
    private int expectedResponseBytes;

    // roundTrip: the runner's pipeline over a LocalChannel
    private EventLoopGroup serverGroup;
    private EventLoopGroup clientGroup;
    private Workers workers;
    private Channel server;
    private Channel client;
    private byte[] requestBytes;
    private final Counter counter = new Counter();

    @Setup(Level.Trial)
    public void setUp(BenchmarkParams params) throws Exception {
        app = JythonApp.load("hello", "hello", "application", helloRoot(), List.of());
        request = new DefaultHttpRequest(HttpVersion.HTTP_1_1, HttpMethod.GET, "/", headers());

        embedded = new EmbeddedChannel(new HttpResponseEncoder(), new ChannelInboundHandlerAdapter());
        ctx = embedded.pipeline().lastContext();
        String direct = runDirect();
        if (!direct.startsWith("HTTP/1.1 200 OK\r\n") || !direct.endsWith("\r\n\r\n" + BODY)) {
            throw new IllegalStateException("unexpected response from WsgiCall:\n" + direct);
        }
        expectedResponseBytes = direct.length();

        serverGroup = new MultiThreadIoEventLoopGroup(1, LocalIoHandler.newFactory());
        clientGroup = new MultiThreadIoEventLoopGroup(1, LocalIoHandler.newFactory());
        workers = new Workers(app, 1);
        ChannelGroup channels = new DefaultChannelGroup("bench", GlobalEventExecutor.INSTANCE);
        LocalAddress address = new LocalAddress("hostel-bench-" + ProcessHandle.current().pid());
        server = new ServerBootstrap()
                .group(serverGroup)
                .channel(LocalServerChannel.class)
                .childOption(ChannelOption.WRITE_BUFFER_WATER_MARK, new WriteBufferWaterMark(32 * 1024, 64 * 1024))
                .childHandler(new RunnerChannelInitializer(app, workers, channels))
                .bind(address).sync().channel();
        client = new Bootstrap()
                .group(clientGroup)
                .channel(LocalChannel.class)
                .handler(counter)
                .connect(address).sync().channel();
        StringBuilder head = new StringBuilder("GET / HTTP/1.1\r\n");
        for (String[] h : HEADERS) {
            head.append(h[0]).append(": ").append(h[1]).append("\r\n");
        }
        requestBytes = head.append("\r\n").toString().getBytes(StandardCharsets.ISO_8859_1);
        counter.expect(expectedResponseBytes);
        for (int k = 0; k < 3; k++) {
            roundTrip();
        }
        preWarm(params.getBenchmark());
    }

    /**
     * Jython's call path takes long to compile: on 2 busy cores, 3 warm-up iterations of 2 s still left the
     * direct call 4x slower than its steady state. So the measured path first runs, untimed, for a few seconds
     * (bounded in time, not in count) before JMH's own warm-up starts.
     */
    private void preWarm(String benchmark) throws Exception {
        long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(PRE_WARM_SECONDS);
        if (benchmark.endsWith(".roundTrip")) {
            while (System.nanoTime() < end) {
                roundTrip();
            }
        } else {
            while (System.nanoTime() < end) {
                for (int k = 0; k < 100; k++) {
                    environ();
                    wsgiCall();
                }
            }
        }
    }

    @TearDown(Level.Trial)
    public void tearDown() throws Exception {
        if (client != null) {
            client.close().sync();
        }
        if (server != null) {
            server.close().sync();
        }
        if (workers != null) {
            workers.shutdownNow();
        }
        if (clientGroup != null) {
            clientGroup.shutdownGracefully(0, 1, TimeUnit.SECONDS).sync();
        }
        if (serverGroup != null) {
            serverGroup.shutdownGracefully(0, 1, TimeUnit.SECONDS).sync();
        }
        if (embedded != null) {
            embedded.finishAndReleaseAll();
        }
    }

    /** Only the environ: {@link Environ#build}. */
    @Benchmark
    public PyObject environ() {
        RequestBody body = new RequestBody(embedded);
        body.end();
        return Environ.build(request, new WsgiInput(body), app);
    }

    /** A worker's whole job for one request, on this thread, encoded into an embedded channel. */
    @Benchmark
    public int wsgiCall() {
        RequestBody body = new RequestBody(embedded);
        body.end();
        ResponseWriter writer = new ResponseWriter(ctx, request, () -> false);
        new WsgiCall(app, request, body, writer).run();
        return drain();
    }

    /** Request bytes in, the whole response out, through the runner's pipeline and worker pool. */
    @Benchmark
    public int roundTrip() throws Exception {
        CompletableFuture<Integer> done = counter.next();
        // A fresh pooled buffer, as a socket read gives the runner's decoder.
        client.writeAndFlush(client.alloc().buffer(requestBytes.length).writeBytes(requestBytes));
        return done.get(10, TimeUnit.SECONDS);
    }

    private String runDirect() {
        RequestBody body = new RequestBody(embedded);
        body.end();
        new WsgiCall(app, request, body, new ResponseWriter(ctx, request, () -> false)).run();
        // The writer hands the head and the first body piece to the event loop as one task: run it.
        embedded.runPendingTasks();
        StringBuilder out = new StringBuilder();
        for (Object msg; (msg = embedded.readOutbound()) != null; ) {
            out.append(((ByteBuf) msg).toString(StandardCharsets.ISO_8859_1));
            ReferenceCountUtil.release(msg);
        }
        return out.toString();
    }

    private int drain() {
        embedded.runPendingTasks();
        int bytes = 0;
        for (Object msg; (msg = embedded.readOutbound()) != null; ) {
            bytes += ((ByteBuf) msg).readableBytes();
            ReferenceCountUtil.release(msg);
        }
        if (bytes != expectedResponseBytes) {
            throw new IllegalStateException("response of " + bytes + " bytes, expected " + expectedResponseBytes);
        }
        return bytes;
    }

    private static HttpHeaders headers() {
        HttpHeaders headers = new DefaultHttpHeaders();
        for (String[] h : HEADERS) {
            headers.add(h[0], h[1]);
        }
        return headers;
    }

    /**
     * {@code sites/hello} of the repository: {@code -Dhostel.home=DIR}, else the working directory or one of its
     * parents (bench/jmh runs from the repository root).
     */
    static Path helloRoot() {
        String home = System.getProperty("hostel.home");
        Path dir = (home != null ? Path.of(home) : Path.of("")).toAbsolutePath();
        for (Path d = dir; d != null; d = d.getParent()) {
            if (Files.isRegularFile(d.resolve("sites/hello/hello.py"))) {
                return d.resolve("sites/hello");
            }
        }
        throw new IllegalStateException("sites/hello/hello.py not found from " + dir
                + "; run from the repository or pass -Dhostel.home=REPO (-jvmArgsAppend for the fork)");
    }

    /** The client end: counts response bytes and completes a future once a whole response is in. */
    private static final class Counter extends ChannelInboundHandlerAdapter {
        private volatile CompletableFuture<Integer> pending;
        private int expected;
        private int received;

        void expect(int bytes) {
            expected = bytes;
        }

        CompletableFuture<Integer> next() {
            CompletableFuture<Integer> f = new CompletableFuture<>();
            pending = f;
            return f;
        }

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            ByteBuf buf = (ByteBuf) msg;
            received += buf.readableBytes();
            buf.release();
            if (received >= expected) {
                int got = received;
                received = 0;
                CompletableFuture<Integer> f = pending;
                if (got != expected) {
                    f.completeExceptionally(new IllegalStateException(got + " bytes, expected " + expected));
                } else {
                    f.complete(got);
                }
            }
        }

        @Override
        public void channelInactive(ChannelHandlerContext ctx) {
            CompletableFuture<Integer> f = pending;
            if (f != null) {
                f.completeExceptionally(new IllegalStateException("the runner closed the connection"));
            }
        }
    }
}
