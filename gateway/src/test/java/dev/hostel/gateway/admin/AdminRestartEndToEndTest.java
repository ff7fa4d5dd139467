package dev.hostel.gateway.admin;

import static dev.hostel.gateway.admin.AdminTests.awaitSite;
import static dev.hostel.gateway.admin.AdminTests.running;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;

import dev.hostel.gateway.Hostel;
import dev.hostel.gateway.cli.AdminClient;
import dev.hostel.gateway.config.ConfigLoader;
import dev.hostel.gateway.e2e.Await;
import dev.hostel.gateway.e2e.TestHostel;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;

import org.junit.jupiter.api.Test;

/** A site added over the admin socket is written to sites.d, so that a new Hostel on the same conf serves it. */
class AdminRestartEndToEndTest {

    @Test
    void aSiteAddedOverTheSocketSurvivesARestart() throws Exception {
        TestHostel first = TestHostel.start("budget = \"1280M\"", dir -> { });
        Hostel second = null;
        try {
            AdminClient admin = new AdminClient(first.hostel.config().adminSocket());
            AdminClient.Response put = admin.send("PUT", "/sites/kept", "application/json", """
                    {"hosts": ["kept.test"], "app": "hello:application", "root": "sites/hello", "memory": "192M"}
                    """);
            assertEquals(201, put.status(), put.body());
            first.hostel.stop(Duration.ofSeconds(5));

            second = new Hostel(ConfigLoader.loadHostel(first.hostel.config().confDir()), TestHostel.HOME);
            second.start();
            assertNotNull(second.sites().get("kept"), "the site did not survive the restart");
            awaitSite(admin, "kept", running(), Await.RUNNER_START);
            HttpResponse<String> served = HttpClient.newHttpClient().send(
                    HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + second.addresses().get(0).getPort() + "/"))
                            .header("Host", "kept.test").build(),
                    HttpResponse.BodyHandlers.ofString());
            assertEquals(200, served.statusCode(), served.body());
        } finally {
            if (second != null) {
                second.stop(Duration.ofSeconds(5));
            }
            first.stop();
        }
    }
}
