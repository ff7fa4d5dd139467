package dev.hostel.runner;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.TreeSet;
import java.util.UUID;

/**
 * Cross-process locks held while a runner imports its application. Jython writes the {@code $py.class} it
 * compiles next to each source file, without a temporary file and a rename, so a runner that imports while
 * another one writes the same file reads half a class ({@code ClassFormatError: Truncated class file}): several
 * processes of a site, or sites sharing a library folder, starting together. Runners whose {@code sys.path}
 * folders overlap therefore import one after the other; the later ones find the classes complete. Folders are
 * locked in sorted order, so two runners never wait for each other in a cycle.
 *
 * <p>The lock files live in {@code hostel.import.locks}, a folder the gateway gives each user's runners (only
 * runners of the same user can write the same folders, and a shared folder in {@code /tmp} would let one site's
 * user block another's imports); {@code java.io.tmpdir/hostel-import-locks} when the runner is started by hand.
 */
final class ImportLock implements AutoCloseable {
    private final List<FileChannel> channels = new ArrayList<>();
    private final List<FileLock> locks = new ArrayList<>();

    private ImportLock() {
    }

    /** Locks every folder of {@code path}, waiting for other runners that hold one of them. */
    static ImportLock acquire(List<Path> path) throws IOException {
        String given = System.getProperty("hostel.import.locks");
        Path dir = given != null ? Path.of(given) : Path.of(System.getProperty("java.io.tmpdir"), "hostel-import-locks");
        Files.createDirectories(dir);
        TreeSet<String> keys = new TreeSet<>();
        for (Path folder : path) {
            keys.add(UUID.nameUUIDFromBytes(folder.toAbsolutePath().normalize().toString()
                    .getBytes(StandardCharsets.UTF_8)).toString());
        }
        ImportLock lock = new ImportLock();
        try {
            for (String key : keys) {
                FileChannel channel = FileChannel.open(dir.resolve(key + ".lock"),
                        StandardOpenOption.CREATE, StandardOpenOption.WRITE);
                lock.channels.add(channel);
                lock.locks.add(channel.lock());
            }
        } catch (IOException | RuntimeException e) {
            lock.close();
            throw e;
        }
        return lock;
    }

    @Override
    public void close() {
        for (FileLock l : locks) {
            try {
                l.release();
            } catch (IOException ignored) {
                // closing the channel below releases it anyway
            }
        }
        for (FileChannel c : channels) {
            try {
                c.close();
            } catch (IOException ignored) {
                // nothing left to release
            }
        }
    }
}
