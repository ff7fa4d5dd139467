package dev.hostel.gateway.e2e;

import static dev.hostel.gateway.e2e.LifecycleEndToEndTest.await;
import static dev.hostel.gateway.e2e.LifecycleEndToEndTest.awaitOk;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.hostel.gateway.server.ResponseBuffers;
import dev.hostel.gateway.supervisor.RunnerProcess;
import dev.hostel.gateway.supervisor.RunnerState;

import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Clients that stop reading a large response, with real sockets and a real runner: the gateway takes their
 * responses off the runner (memory, then a temporary file), so the site's workers serve others, and the slow
 * clients are disconnected after {@code request_timeout} without the runner being taken for stuck.
 */
class SlowReaderEndToEndTest {
    private static final int SLOW_CLIENTS = 4;
    private static final int MEGABYTES = 16;
    private static TestHostel hostel;

    @BeforeAll
    static void start() throws Exception {
        hostel = TestHostel.start("budget = \"1G\"", dir -> TestHostel.site(dir, "big", "big.test", "big:application",
                TestHostel.TEST_SITES.resolve("big"), "memory = \"96M\"\nthreads = 2\nrequest_timeout = \"2s\""));
        awaitOk(hostel, "big.test", "/");
    }

    @AfterAll
    static void stop() {
        hostel.stop();
    }

    @Test
    void slowReadersHoldNoWorkerAndGetNoHealthyRunnerReplaced() throws Exception {
        List<RunnerProcess> runners = hostel.hostel.sites().get("big").supervisor().runners();
        assertEquals(1, runners.size());
        RunnerProcess runner = runners.get(0);
        ResponseBuffers buffers = hostel.hostel.responseBuffers();
        List<Socket> slow = new ArrayList<>();
        try {
            for (int i = 0; i < SLOW_CLIENTS; i++) {
                Socket socket = new Socket();
                socket.setReceiveBufferSize(8 * 1024);
                socket.connect(new InetSocketAddress("127.0.0.1", hostel.port()), 5000);
                socket.getOutputStream().write(("GET /big?mb=" + MEGABYTES + " HTTP/1.1\r\nHost: big.test\r\n\r\n")
                        .getBytes(StandardCharsets.US_ASCII));
                slow.add(socket);
            }
            // More slow clients than workers, none reading: still every response leaves the runner.
            await(() -> runner.inFlight().get() == 0 && buffers.fileBytes() > (SLOW_CLIENTS - 1L) * MEGABYTES << 20,
                    Duration.ofSeconds(60), "the runner still holds slow clients' responses: in flight "
                            + runner.inFlight().get() + ", held in files " + buffers.fileBytes());
            for (int i = 0; i < 10; i++) {
                assertEquals(200, hostel.get("big.test", "/").statusCode());
            }
            assertTrue(buffers.fileBytes() > 0, "the slow clients were still stalled while the others were served");
            assertTrue(buffers.memoryBytes() <= SLOW_CLIENTS * 64 * 1024, "memory held: " + buffers.memoryBytes());

            // After request_timeout of reading nothing, the slow clients are let go; the runner is not blamed.
            await(() -> buffers.fileBytes() == 0 && buffers.memoryBytes() == 0, Duration.ofSeconds(60),
                    "the slow clients were never let go");
            for (Socket socket : slow) {
                assertTrue(drain(socket) < MEGABYTES << 20, "a slow client got its whole response");
            }
        } finally {
            for (Socket socket : slow) {
                socket.close();
            }
        }
        assertEquals(List.of(runner), hostel.hostel.sites().get("big").supervisor().runners(), "same runner");
        assertEquals(RunnerState.READY, runner.state());
        assertEquals(0, hostel.hostel.supervisor().events().get("big", "recycle", "request_timeout"));
        assertEquals(200, hostel.get("big.test", "/").statusCode());
    }

    /** Reads what the gateway still sent before it closed the connection. */
    private static long drain(Socket socket) throws Exception {
        socket.setSoTimeout(30_000);
        InputStream in = socket.getInputStream();
        byte[] buf = new byte[64 * 1024];
        long total = 0;
        try {
            for (int n; (n = in.read(buf)) >= 0; ) {
                total += n;
            }
        } catch (java.net.SocketException reset) {
            // closed with unsent data: a reset is as good an end as any
        }
        return total;
    }
}
