package dev.hostel.gateway.admin;

import static org.junit.jupiter.api.Assertions.fail;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.hostel.gateway.cli.AdminClient;

import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.function.Predicate;

/** Helpers of the admin end-to-end tests: JSON, waiting for a condition, a free port. */
final class AdminTests {
    static final ObjectMapper JSON = new ObjectMapper();

    private AdminTests() {
    }

    static JsonNode json(AdminClient.Response response) throws IOException {
        return JSON.readTree(response.body());
    }

    /** The site's JSON once {@code condition} holds for {@code GET /sites/NAME}, failing after {@code timeout}. */
    static AdminClient.Response awaitSite(AdminClient admin, String name, Predicate<AdminClient.Response> condition,
                                          Duration timeout) throws Exception {
        long deadline = System.nanoTime() + timeout.toNanos();
        String last = "nothing";
        do {
            try {
                AdminClient.Response r = admin.get("/sites/" + name);
                if (condition.test(r)) {
                    return r;
                }
                last = r.status() + " " + r.body();
            } catch (AdminClient.CannotConnectException e) {
                last = "no socket yet: " + e.getMessage(); // a Hostel child process still starting
            }
            Thread.sleep(100);
        } while (System.nanoTime() < deadline);
        return fail("site " + name + " never got there; last answer: " + last);
    }

    static Predicate<AdminClient.Response> running() {
        return r -> r.status() == 200 && r.body().contains("\"state\" : \"running\"");
    }

    /**
     * {@code GET path} with {@code Host: host} through the gateway on {@code port}, on a connection of its own
     * ({@code Connection: close}), so that one test's connection state never leaks into another's.
     */
    static HttpResponse<String> get(int port, String host, String path) throws IOException, InterruptedException {
        HttpRequest request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
                .header("Host", host)
                .header("Connection", "close")
                .timeout(Duration.ofSeconds(180)) // longer than the gateway waits for a runner
                .build();
        return HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build()
                .send(request, HttpResponse.BodyHandlers.ofString());
    }

    static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }
}
