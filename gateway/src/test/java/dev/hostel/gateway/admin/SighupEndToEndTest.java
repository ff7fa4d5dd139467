package dev.hostel.gateway.admin;

import static dev.hostel.gateway.admin.AdminTests.awaitSite;
import static dev.hostel.gateway.admin.AdminTests.json;
import static dev.hostel.gateway.admin.AdminTests.running;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.hostel.gateway.cli.AdminClient;
import dev.hostel.gateway.e2e.Await;
import dev.hostel.gateway.e2e.TestHostel;

import java.io.File;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import org.junit.jupiter.api.Test;

/**
 * {@code hostel run} as a real child process, sent a real SIGHUP. The site file in sites.d is a symbolic link to a
 * file outside it, so that editing the file is invisible to the directory watcher: only the signal can apply it.
 */
class SighupEndToEndTest {

    @Test
    void sighupAppliesAnEditedSiteFile() throws Exception {
        Path dir = Files.createTempDirectory(Path.of("/tmp"), "hostel-hup-");
        Path conf = TestHostel.writeConf(dir, "budget = \"1280M\"");
        Path socket = dir.resolve("run/hostel.sock");
        Path real = dir.resolve("hello.toml");
        TestHostel.hello(dir, "hello", "memory = \"192M\"");
        Files.createSymbolicLink(conf.resolve("sites.d/hello.toml"), real);

        Process hostel = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-cp", System.getProperty("java.class.path"),
                "-Dhostel.home=" + TestHostel.HOME,
                "dev.hostel.gateway.Main", "run", "--conf", conf.toString())
                .redirectErrorStream(true)
                .redirectOutput(dir.resolve("hostel.log").toFile())
                .start();
        try {
            AdminClient admin = new AdminClient(socket);
            awaitSite(admin, "hello", running(), Await.RUNNER_START);
            String listener = json(admin.get("/status")).path("listeners").get(0).asText();

            Files.writeString(real, Files.readString(real).replace("hosts = [\"hello.test\"]",
                    "hosts = [\"hello.test\", \"hup.test\"]"));
            Thread.sleep(SitesWatcher.DEBOUNCE.toMillis() * 3);
            assertFalse(admin.get("/sites/hello").body().contains("hup.test"), "the watcher saw through the link");

            Process kill = new ProcessBuilder("kill", "-HUP", Long.toString(hostel.pid())).inheritIO().start();
            assertEquals(0, kill.waitFor());
            awaitSite(admin, "hello", r -> r.body().contains("hup.test") && running().test(r), Await.RUNNER_START);

            HttpResponse<String> served = HttpClient.newHttpClient().send(
                    HttpRequest.newBuilder(URI.create("http://" + listener + "/")).header("Host", "hup.test").build(),
                    HttpResponse.BodyHandlers.ofString());
            assertEquals(200, served.statusCode(), served.body());
            assertTrue(Files.readString(dir.resolve("hostel.log")).contains("reload (SIGHUP): 0 added, 1 changed"),
                    Files.readString(dir.resolve("hostel.log")));
        } finally {
            hostel.destroy();
            if (!hostel.waitFor(30, TimeUnit.SECONDS)) {
                hostel.destroyForcibly();
            }
            try (Stream<Path> files = Files.walk(dir)) {
                List<File> all = files.sorted(Comparator.reverseOrder()).map(Path::toFile).toList();
                all.forEach(File::delete);
            }
        }
    }
}
