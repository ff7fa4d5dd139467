package dev.hostel.gateway.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.netty.channel.epoll.Epoll;
import io.netty.channel.unix.DomainDatagramSocketAddress;
import io.netty.channel.unix.DomainSocketAddress;
import io.netty.channel.unix.Socket;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

/** {@code sd_notify} against a real Unix datagram socket bound where systemd's would be. */
class SystemdNotifyTest {

    @Test
    void readyReachesTheNotifySocketAsOneDatagram() throws Exception {
        Assumptions.assumeTrue(Epoll.isAvailable(), "no native Unix sockets here");
        Path dir = Files.createTempDirectory("notify");
        Path path = dir.resolve("notify");
        Socket systemd = Socket.newSocketDomainDgram();
        try {
            systemd.bind(new DomainSocketAddress(path.toString()));
            SystemdNotify.to(path.toString()).send("READY=1\nSTATUS=serving");

            ByteBuffer received = ByteBuffer.allocateDirect(256);
            DomainDatagramSocketAddress from = systemd.recvFromDomainSocket(received, 0, received.capacity());
            byte[] bytes = new byte[from.receivedAmount()];
            received.get(0, bytes);
            assertEquals("READY=1\nSTATUS=serving", new String(bytes, StandardCharsets.UTF_8));
        } finally {
            systemd.close();
            Files.deleteIfExists(path);
            Files.delete(dir);
        }
    }

    @Test
    void outsideSystemdNothingIsSent() {
        Assumptions.assumeTrue(System.getenv("NOTIFY_SOCKET") == null, "this test runs under systemd");
        assertEquals(java.util.Optional.empty(), SystemdNotify.fromEnvironment());
    }
}
