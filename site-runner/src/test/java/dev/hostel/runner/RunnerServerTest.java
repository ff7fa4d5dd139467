package dev.hostel.runner;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.hostel.runner.UdsClient.Response;
import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.ServerSocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** The server's life cycle: binding, transports, draining and stopping. */
class RunnerServerTest {

    private static RunnerServer started(RunnerServer.Transport transport) throws Exception {
        RunnerServer server = new RunnerServer(SharedRunner.newSocketPath(transport.name()), SharedRunner.app(), 4,
                transport);
        server.start();
        return server;
    }

    @Test
    void bothTransportsServeAndStopDeletesTheSocket() throws Exception {
        for (RunnerServer.Transport transport : RunnerServer.Transport.values()) {
            RunnerServer server = started(transport);
            try (UdsClient client = UdsClient.connect(server.socket())) {
                assertEquals("hello", client.get("/hello").text(), transport.name());
                assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(server.socket())));
            } finally {
                server.stop(Duration.ofSeconds(1));
            }
            assertFalse(Files.exists(server.socket()), transport + " left its socket file");
            server.stop(Duration.ofSeconds(1));
        }
    }

    @Test
    void stopLetsARequestInFlightFinishAndClosesItsConnection() throws Exception {
        RunnerServer server = started(RunnerServer.Transport.best());
        Await.Hold hold = Await.Hold.in(server.socket().getParent());
        try (UdsClient client = UdsClient.connect(server.socket())) {
            client.send(hold.request());
            hold.awaitStarted();
            CompletableFuture<Void> stopping = CompletableFuture.runAsync(() -> server.stop(Duration.ofSeconds(60)));
            Await.until(() -> !UdsClient.accepts(server.socket()), Await.LONG, "still accepting while stopping");
            hold.release();
            Response response = client.readResponse(false);
            assertEquals(200, response.status());
            assertEquals("released", response.text());
            assertEquals("close", response.header("Connection"), "the gateway is told not to reuse it");
            stopping.get(60, TimeUnit.SECONDS);
            assertTrue(client.closedByServer(60_000));
        }
    }

    @Test
    void stopGivesUpOnARequestPastTheGracePeriod() throws Exception {
        RunnerServer server = started(RunnerServer.Transport.best());
        Await.Hold hold = Await.Hold.in(server.socket().getParent());
        try (UdsClient client = UdsClient.connect(server.socket())) {
            client.send(hold.request());
            hold.awaitStarted();
            // The request is held until released, which happens only after stop returns: stop must give up on it.
            CompletableFuture.runAsync(() -> server.stop(Duration.ofMillis(300))).get(60, TimeUnit.SECONDS);
            assertTrue(client.closedByServer(60_000));
        } finally {
            hold.release();
        }
    }

    @Test
    void aStaleSocketFileIsReplaced() throws Exception {
        Path path = SharedRunner.newSocketPath("stale");
        try (ServerSocketChannel dead = ServerSocketChannel.open(StandardProtocolFamily.UNIX)) {
            dead.bind(UnixDomainSocketAddress.of(path));
        }
        assertTrue(Files.exists(path));
        RunnerServer server = new RunnerServer(path, SharedRunner.app(), 1);
        server.start();
        try (UdsClient client = UdsClient.connect(path)) {
            assertEquals("hello", client.get("/hello").text());
        } finally {
            server.stop(Duration.ZERO);
        }
    }

    @Test
    void aRegularFileOrALiveSocketIsNeverReplaced() throws Exception {
        Path file = SharedRunner.newSocketPath("file");
        Files.writeString(file, "precious");
        IOException notSocket = assertThrows(IOException.class,
                () -> new RunnerServer(file, SharedRunner.app(), 1).start());
        assertTrue(notSocket.getMessage().contains("is not a socket"), notSocket.getMessage());
        assertEquals("precious", Files.readString(file));

        Path live = SharedRunner.newSocketPath("live");
        try (ServerSocketChannel other = ServerSocketChannel.open(StandardProtocolFamily.UNIX)) {
            other.bind(UnixDomainSocketAddress.of(live));
            IOException inUse = assertThrows(IOException.class,
                    () -> new RunnerServer(live, SharedRunner.app(), 1).start());
            assertTrue(inUse.getMessage().contains("another process is listening"), inUse.getMessage());
        } finally {
            Files.deleteIfExists(live);
        }
    }
}
