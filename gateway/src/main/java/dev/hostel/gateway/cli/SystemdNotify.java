package dev.hostel.gateway.cli;

import io.netty.channel.epoll.Epoll;
import io.netty.channel.unix.Socket;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Optional;
import java.util.logging.Logger;

/**
 * systemd's readiness protocol ({@code sd_notify(3)}) for a {@code Type=notify} service: one datagram such as
 * {@code READY=1} to the Unix socket named by {@code NOTIFY_SOCKET}. The JDK has no Unix datagram sockets, so this
 * uses Netty's native Unix socket, which the epoll transport loads anyway; without it (another OS, a JVM without
 * the native library), nothing is sent and the unit should use {@code Type=exec}. Outside systemd
 * ({@code NOTIFY_SOCKET} unset) every call does nothing.
 */
final class SystemdNotify {
    private static final Logger LOG = Logger.getLogger(SystemdNotify.class.getName());

    private final String socket;

    private SystemdNotify(String socket) {
        this.socket = socket;
    }

    /** The notifier for {@code NOTIFY_SOCKET}, or empty when Hostel is not a {@code Type=notify} service. */
    static Optional<SystemdNotify> fromEnvironment() {
        String socket = System.getenv("NOTIFY_SOCKET");
        return socket == null || socket.isEmpty() ? Optional.empty() : Optional.of(new SystemdNotify(socket));
    }

    static SystemdNotify to(String socket) {
        return new SystemdNotify(socket);
    }

    /** Sends {@code state} (e.g. {@code READY=1}, {@code STOPPING=1}, {@code STATUS=...}); logs a failure. */
    void send(String state) {
        if (!Epoll.isAvailable()) {
            LOG.warning(() -> "cannot tell systemd " + state + ": no native Unix sockets here ("
                    + Epoll.unavailabilityCause() + "); use Type=exec");
            return;
        }
        // An address that starts with '@' is in Linux's abstract namespace, written with a leading NUL.
        byte[] path = (socket.startsWith("@") ? "\0" + socket.substring(1) : socket).getBytes(StandardCharsets.UTF_8);
        byte[] message = state.getBytes(StandardCharsets.UTF_8);
        ByteBuffer buffer = ByteBuffer.allocateDirect(message.length).put(message).flip();
        Socket datagram = Socket.newSocketDomainDgram();
        try {
            datagram.sendToDomainSocket(buffer, 0, message.length, path);
        } catch (IOException e) {
            LOG.warning(() -> "cannot tell systemd " + state + " on " + socket + ": " + e.getMessage());
        } finally {
            try {
                datagram.close();
            } catch (IOException ignored) {
                // a datagram socket that was never connected has nothing to flush
            }
        }
    }
}
