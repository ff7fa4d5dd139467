package dev.hostel.gateway.e2e;

import dev.hostel.gateway.Hostel;
import dev.hostel.gateway.config.ConfigLoader;
import dev.hostel.gateway.config.HostelConfig;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * A real Hostel (gateway in this JVM, real runner JVMs) with the example sites of {@code conf/sites.d} plus the
 * test sites of {@code src/test/python}, listening on a free port. Started once and shared by the end-to-end
 * tests, because each runner JVM costs a second or two of CPU; tests that break a runner use their own sites.
 */
public final class TestHostel {
    public static final Path HOME = Path.of(System.getProperty("hostel.home", "..")).toAbsolutePath().normalize();
    static final Path TEST_SITES = HOME.resolve("gateway/src/test/python");
    /** Third-party frameworks fetched by {@code scripts/test} from Debian's packages. */
    static final Path THIRD_PARTY = HOME.resolve("target/thirdparty");
    static final Path BOTTLE = THIRD_PARTY.resolve("bottle.py");
    static final Path WEBOB = THIRD_PARTY.resolve("webob");
    private static TestHostel shared;

    public final Path dir;
    public final Hostel hostel;
    final URI base;
    final HttpClient client = HttpClient.newBuilder()
            .version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(5))
            .build();

    private TestHostel(Path dir, Hostel hostel) {
        this.dir = dir;
        this.hostel = hostel;
        InetSocketAddress address = hostel.addresses().get(0);
        this.base = URI.create("http://127.0.0.1:" + address.getPort());
    }

    /** The shared instance, started on first use and stopped when the test JVM exits. */
    static synchronized TestHostel shared() throws Exception {
        if (shared == null) {
            shared = start("budget = \"2G\"", TestHostel::exampleAndTestSites);
            TestHostel stopping = shared;
            Runtime.getRuntime().addShutdownHook(new Thread(stopping::stop));
            // Every site started and ready before the first test: on a busy machine the runners together may take
            // longer than a request waits for one, and these tests are not about start-up (those that are have a
            // Hostel of their own). Sites with an idle_timeout (10m) are started too.
            shared.startEverySite();
        }
        return shared;
    }

    /** Starts the sites at rest and waits until the runners of every site are ready. */
    void startEverySite() throws Exception {
        CompletableFuture<?>[] ready = hostel.sites().all().stream()
                .map(g -> g.config().idleTimeout().isZero() ? g.ready() : g.supervisor().start())
                .toArray(CompletableFuture[]::new);
        CompletableFuture.allOf(ready).get(2 * Await.RUNNER_START.toSeconds(), TimeUnit.SECONDS);
    }

    public interface SiteWriter {
        void write(Path sitesDir) throws IOException;
    }

    /** A Hostel of its own, for tests that break things; the caller stops it. */
    public static TestHostel start(SiteWriter sites) throws Exception {
        return start("", sites);
    }

    /** The same, with more keys for {@code hostel.toml} (e.g. a small {@code budget}). */
    public static TestHostel start(String hostelToml, SiteWriter sites) throws Exception {
        return start(hostelToml, sites, null);
    }

    /** The same with {@code prefix} (null: the repository), where relative roots and releases live. */
    public static TestHostel start(String hostelToml, SiteWriter sites, Path prefix) throws Exception {
        // Short, because Unix socket paths are limited to 107 bytes.
        Path dir = Files.createTempDirectory(Path.of("/tmp"), "hostel-e2e-");
        // Passable, not listable: run as root, Hostel runs each site as its own user, which must reach run/.
        Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwx--x--x"));
        // The gateway here is this test JVM, whose PSS says nothing of a gateway's: count it as a fixed 128M unless
        // the test says otherwise (a real `hostel run` process measures its own).
        String toml = hostelToml.contains("gateway_memory") ? hostelToml : hostelToml + "\ngateway_memory = \"128M\"";
        Path conf = writeConf(dir, toml, prefix);
        sites.write(conf.resolve("sites.d"));
        HostelConfig config = ConfigLoader.loadHostel(conf);
        Hostel hostel = new Hostel(config, HOME);
        hostel.start();
        return new TestHostel(dir, hostel);
    }

    /**
     * Writes {@code dir/conf}: a {@code hostel.toml} listening on a free port, its admin socket at
     * {@code dir/run/hostel.sock} and its logs in {@code dir/logs}, with {@code hostelToml} added, and an empty
     * {@code sites.d}. Returns the conf directory.
     */
    public static Path writeConf(Path dir, String hostelToml) throws IOException {
        return writeConf(dir, hostelToml, null);
    }

    /** The same with {@code prefix} (null: the repository), where relative roots and releases live. */
    public static Path writeConf(Path dir, String hostelToml, Path prefix) throws IOException {
        passable(Files.createDirectories(dir));
        Path conf = dir.resolve("conf");
        Files.createDirectories(conf.resolve("sites.d"));
        Files.writeString(conf.resolve("hostel.toml"), """
                listen = ["127.0.0.1:0"]
                admin_socket = "%s"
                prefix = "%s"
                log_dir = "%s"
                %s
                """.formatted(dir.resolve("run/hostel.sock"), prefix == null ? HOME : prefix, dir.resolve("logs"),
                hostelToml));
        return conf;
    }

    /**
     * Makes {@code dir} passable, not listable (0711): run as root, Hostel runs each site as its own user, which must
     * reach the runner sockets (and a release's code) below it. A temporary folder is 0700.
     */
    public static Path passable(Path dir) throws IOException {
        Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwx--x--x"));
        return dir;
    }

    static void exampleAndTestSites(Path sitesDir) throws IOException {
        for (String name : List.of("blog", "shop", "stream", "upload", "hello")) {
            Files.copy(HOME.resolve("conf/sites.d/" + name + ".toml"), sitesDir.resolve(name + ".toml"));
        }
        Files.writeString(sitesDir.resolve("failing.toml"), """
                hosts = ["failing.test"]
                app = "failing:application"
                root = "%s"
                request_timeout = "15s"
                """.formatted(TEST_SITES.resolve("failing")));
        if (Files.exists(BOTTLE)) {
            Files.writeString(sitesDir.resolve("bottle.toml"), """
                    hosts = ["bottle.test"]
                    app = "app:application"
                    root = "%s"
                    python_path = ["%s"]
                    """.formatted(TEST_SITES.resolve("bottleapp"), THIRD_PARTY));
        }
        if (Files.isDirectory(WEBOB)) {
            Files.writeString(sitesDir.resolve("webob.toml"), """
                    hosts = ["webob.test"]
                    app = "app:application"
                    root = "%s"
                    python_path = ["%s"]
                    """.formatted(TEST_SITES.resolve("webobapp"), THIRD_PARTY));
        }
    }

    /** Writes a site file for one of the example or test apps: {@code keys} are extra TOML lines. */
    public static void site(Path sitesDir, String name, String host, String app, Path root, String keys) throws IOException {
        Files.writeString(sitesDir.resolve(name + ".toml"), """
                hosts = ["%s"]
                app = "%s"
                root = "%s"
                %s
                """.formatted(host, app, root, keys));
    }

    /** Writes a site file for the hello-world app. */
    public static void hello(Path sitesDir, String name, String keys) throws IOException {
        site(sitesDir, name, name + ".test", "hello:application", HOME.resolve("sites/hello"), keys);
    }

    /**
     * A request through the gateway. Its client waits longer than a site's default {@code start_timeout} (120 s):
     * on a busy machine a framework site may take that long to start, and the gateway answers (200, or 503 past
     * the start timeout) before the client gives up.
     */
    HttpRequest.Builder request(String host, String path) {
        // Longer than the gateway's own wait for a runner (a site's start_timeout, 120 s): the gateway answers first.
        return HttpRequest.newBuilder(base.resolve(path)).header("Host", host).timeout(Duration.ofSeconds(180));
    }

    public HttpResponse<String> get(String host, String path) throws IOException, InterruptedException {
        return client.send(request(host, path).build(), HttpResponse.BodyHandlers.ofString());
    }

    /**
     * Waits until {@code host} answers {@code path} with 200: its runner started (a framework's can take minutes on
     * a loaded machine) and its first request, slow while classes load, is behind it, so that a test's own request
     * meets neither a 503 (no runner ready) nor a short {@code request_timeout}. Fails with the site's log.
     */
    void awaitAnswering(String site, String host, String path, Duration patience) throws Exception {
        long deadline = System.nanoTime() + patience.toNanos();
        int status;
        while ((status = get(host, path).statusCode()) != 200 && System.nanoTime() < deadline) {
            Thread.sleep(200);
        }
        if (status != 200) {
            throw new AssertionError(site + " answered " + status + " until the deadline; its log:\n" + log(site));
        }
    }

    public int port() {
        return base.getPort();
    }

    /** The site's log file (runner stderr, tracebacks). */
    String log(String site) throws IOException {
        Path log = dir.resolve("logs").resolve(site + ".log");
        return Files.exists(log) ? Files.readString(log) : "";
    }

    public void stop() {
        hostel.stop(Duration.ofSeconds(5));
        try (Stream<Path> files = Files.walk(dir)) {
            files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException ignored) {
            // a temp dir left behind is not worth failing for
        }
    }
}
