package dev.hostel.gateway.admin;

import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.SocketChannel;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.logging.Logger;

/**
 * The file of the admin socket: {@link #claim} before anything starts (its directory created 0700, a live Hostel
 * on it refused, a stale socket left by a crash removed), {@link #restrict} right after the bind (mode 0600).
 */
public final class AdminSocket {
    private static final Logger LOG = Logger.getLogger(AdminSocket.class.getName());

    private AdminSocket() {
    }

    /**
     * Makes {@code socket} ready to be bound: creates its directory with mode 0700 when it is missing, and removes
     * a socket file that nobody answers on any more.
     *
     * @throws IllegalStateException when another Hostel answers on it, or the path is not a socket
     */
    public static void claim(Path socket) throws IOException {
        Path dir = socket.toAbsolutePath().getParent();
        if (!Files.isDirectory(dir)) {
            Files.createDirectories(dir, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
        }
        if (!Files.exists(socket, LinkOption.NOFOLLOW_LINKS)) {
            return;
        }
        BasicFileAttributes attributes = Files.readAttributes(socket, BasicFileAttributes.class,
                LinkOption.NOFOLLOW_LINKS);
        if (!attributes.isOther()) {
            throw new IllegalStateException(socket + " exists and is not a socket; move it away or choose another"
                    + " admin_socket");
        }
        if (answers(socket)) {
            throw new IllegalStateException("another Hostel is running on " + socket);
        }
        Files.delete(socket);
        LOG.info(() -> "removed the stale admin socket " + socket + " (nothing answered on it)");
    }

    /** Mode 0600: only Hostel's own user may connect (connecting needs write permission). */
    static void restrict(Path socket) throws IOException {
        Files.setPosixFilePermissions(socket, PosixFilePermissions.fromString("rw-------"));
    }

    private static boolean answers(Path socket) {
        try (SocketChannel channel = SocketChannel.open(StandardProtocolFamily.UNIX)) {
            return channel.connect(UnixDomainSocketAddress.of(socket));
        } catch (IOException e) {
            return false;
        }
    }
}
