package dev.hostel.gateway.admin;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;

/**
 * The site files of {@code sites.d} as the admin API writes them: atomically (a dotted temporary file next to
 * the target, fsync, rename over it, fsync of the directory), so that a crash leaves either the old file or the
 * new one, and a reader (the directory watcher, a restart) never sees half a file.
 */
final class SiteFiles {
    private final Path dir;

    SiteFiles(Path dir) {
        this.dir = dir;
    }

    /** {@code sites.d/NAME.toml}. */
    Path fileOf(String site) {
        return dir.resolve(site + ".toml");
    }

    /** Whether {@code fileName} is one of ours in the making; the watcher ignores those (and every dotfile). */
    static boolean isTemporary(String fileName) {
        return fileName.startsWith(".") || fileName.endsWith(".tmp");
    }

    /** Writes {@code text} as the file of {@code site}, replacing the old one in one step. */
    Path write(String site, String text) throws IOException {
        Files.createDirectories(dir);
        Path target = fileOf(site);
        Path temp = dir.resolve("." + site + ".toml.tmp");
        try (FileChannel out = FileChannel.open(temp, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                StandardOpenOption.TRUNCATE_EXISTING)) {
            ByteBuffer bytes = ByteBuffer.wrap(text.getBytes(StandardCharsets.UTF_8));
            while (bytes.hasRemaining()) {
                out.write(bytes);
            }
            out.force(true);
        }
        try {
            Files.move(temp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } catch (AtomicMoveNotSupportedException e) {
            Files.deleteIfExists(temp);
            throw e;
        }
        syncDirectory();
        return target;
    }

    /** Removes {@code file} if it is there. */
    void delete(Path file) throws IOException {
        if (Files.deleteIfExists(file)) {
            syncDirectory();
        }
    }

    /** Makes the rename or unlink itself durable; not every file system lets a directory be opened for it. */
    private void syncDirectory() {
        try (FileChannel d = FileChannel.open(dir, StandardOpenOption.READ)) {
            d.force(true);
        } catch (IOException e) {
            // The file's own data is already on disk; only the directory entry might be lost on a crash.
        }
    }
}
