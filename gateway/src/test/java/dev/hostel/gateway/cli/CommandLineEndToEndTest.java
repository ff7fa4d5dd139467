package dev.hostel.gateway.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.hostel.gateway.e2e.Await;
import dev.hostel.gateway.e2e.TestHostel;

import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Comparator;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * {@code hostel run} and {@code hostel ctl} as real processes, as an operator uses them: ctl finds the socket of
 * the Hostel that run started from any directory; SIGTERM and SIGINT stop it with its steps on the console and
 * exit 0; a port in use is named, before any site starts, without a stack trace.
 *
 * <p>Each test has an installation of its own: {@code DIR/conf/hostel.toml}, with the prefix {@code DIR}, so the
 * admin socket is {@code DIR/run/hostel.sock}.
 */
class CommandLineEndToEndTest {
    private Path dir;
    private Path conf;

    @BeforeEach
    void installation() throws Exception {
        dir = Files.createTempDirectory(Path.of("/tmp"), "hostel-cli-");
        TestHostel.passable(dir);
        conf = dir.resolve("conf");
        Files.createDirectories(conf.resolve("sites.d"));
        writeHostelToml("127.0.0.1:0");
    }

    private void writeHostelToml(String listen) throws Exception {
        Files.writeString(conf.resolve("hostel.toml"), """
                listen = ["%s"]
                budget = "1G"
                """.formatted(listen));
    }

    @AfterEach
    void removeInstallation() throws Exception {
        try (Stream<Path> files = Files.walk(dir)) {
            files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        }
    }

    private HostelProcess run(String... more) throws Exception {
        String[] args = Stream.concat(Stream.of("run", "--conf", conf.toString()), Stream.of(more)).toArray(String[]::new);
        HostelProcess hostel = HostelProcess.start(dir, Map.of(), null, args);
        hostel.awaitOutput("admin API on");
        return hostel;
    }

    @Test
    void ctlFindsTheSocketOfRunFromAnyDirectory() throws Exception {
        try (HostelProcess hostel = run()) {
            Path elsewhere = Files.createDirectories(dir.resolve("elsewhere"));
            Path socket = dir.resolve("run/hostel.sock");
            // --conf, $HOSTEL_CONF, $HOSTEL_ADMIN_SOCKET, and the installation's conf/ (-Dhostel.home), each run
            // from a directory that has nothing to do with Hostel.
            assertStatusOk(HostelProcess.run(Path.of("/"), Map.of(), elsewhere, "ctl", "--conf", conf.toString(), "status"));
            assertStatusOk(HostelProcess.run(elsewhere, Map.of("HOSTEL_CONF", conf.toString()), elsewhere, "ctl", "status"));
            assertStatusOk(HostelProcess.run(elsewhere, Map.of("HOSTEL_ADMIN_SOCKET", socket.toString()), elsewhere,
                    "ctl", "status"));
            assertStatusOk(HostelProcess.run(elsewhere, Map.of(), dir, "ctl", "status"));

            HostelProcess lost = HostelProcess.run(dir, Map.of(), elsewhere, "ctl", "status");
            assertEquals(3, lost.exitCode(), lost.output());
            assertTrue(lost.output().contains("cannot connect to " + elsewhere.resolve("run/hostel.sock")
                    + ": is Hostel running?"), "the path it tried: " + lost.output());
            assertTrue(lost.output().contains(elsewhere.resolve("conf/hostel.toml") + " is missing"), lost.output());
        }
    }

    private static void assertStatusOk(HostelProcess ctl) throws Exception {
        assertEquals(0, ctl.exitCode(), ctl.output());
        assertTrue(ctl.output().startsWith("hostel 0.1.0, pid "), ctl.output());
    }

    @Test
    void sigtermLetsTheRequestInFlightFinishLogsEachStepAndExits0() throws Exception {
        Files.writeString(conf.resolve("sites.d/slow.toml"), """
                hosts = ["slow.test"]
                app = "failing:application"
                root = "%s"
                memory = "128M"
                """.formatted(TestHostel.HOME.resolve("gateway/src/test/python/failing")));
        try (HostelProcess hostel = run()) {
            hostel.awaitOutput("site slow: runner 0 (pid");
            AdminClient admin = new AdminClient(dir.resolve("run/hostel.sock"));
            String listener = new ObjectMapper().readTree(admin.get("/status").body()).path("listeners").get(0).asText();
            CompletableFuture<HttpResponse<String>> slow = HttpClient.newHttpClient().sendAsync(
                    HttpRequest.newBuilder(URI.create("http://" + listener + "/sleep?8")).header("Host", "slow.test")
                            .timeout(Duration.ofSeconds(120)).build(), HttpResponse.BodyHandlers.ofString());
            Await.until(() -> admin.get("/sites/slow").body().contains("\"in_flight\" : 1"), Await.RUNNER_START,
                    "the request never reached the runner");

            hostel.process.destroy(); // SIGTERM
            assertEquals(0, hostel.exitCode(), hostel.output());
            HttpResponse<String> response = slow.get();
            assertEquals(200, response.statusCode(), "the request in flight was cut off: " + response.body());
            assertEquals("woke up\n", response.body());
            String log = hostel.output();
            assertTrue(Pattern.compile("stopping: draining \\d+ requests? in flight").matcher(log).find(), log);
            assertTrue(log.indexOf("stopping: 1 runner") < log.lastIndexOf(" stopped"), log);
            assertTrue(log.strip().endsWith("INFO dev.hostel.gateway.Hostel: stopped"), log);
        }
    }

    @Test
    void sigintStopsCleanlyAndExits0() throws Exception {
        try (HostelProcess hostel = run()) {
            hostel.signal("INT");
            assertEquals(0, hostel.exitCode(), hostel.output());
            String log = hostel.output();
            assertTrue(log.contains("stopping: draining 0 requests in flight"), log);
            assertTrue(log.strip().endsWith("stopped"), log);
            assertFalse(Files.exists(dir.resolve("run/hostel.sock")), "the admin socket was left behind");
        }
    }

    @Test
    void aPortInUseIsNamedBeforeAnySiteStartsWithoutAStackTrace() throws Exception {
        TestHostel.hello(conf.resolve("sites.d"), "hello", "memory = \"128M\"");
        try (ServerSocket taken = new ServerSocket(0, 1, java.net.InetAddress.getByName("127.0.0.1"))) {
            writeHostelToml("127.0.0.1:" + taken.getLocalPort());
            HostelProcess hostel = HostelProcess.run(dir, Map.of(), null, "run", "--conf", conf.toString());
            String log = hostel.output();
            assertEquals(1, hostel.exitCode(), log);
            assertTrue(log.contains("hostel: cannot listen on 127.0.0.1:" + taken.getLocalPort()
                    + ": address already in use"), log);
            assertTrue(log.strip().endsWith("address already in use"), "the error is the last word: " + log);
            assertFalse(log.contains("site hello"), "a site was started before the listeners: " + log);
            assertFalse(log.contains("Exception") || log.contains("\tat "), "a stack trace: " + log);
            hostel.close();
        }
    }
}
