package dev.hostel.gateway.supervisor;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Enumeration;
import java.util.Optional;
import java.util.Set;
import java.util.logging.Logger;
import java.util.stream.Stream;
import java.util.zip.ZipEntry;
import java.util.zip.ZipFile;

/**
 * Jython's standard library ({@code Lib/} of {@code jython-standalone.jar}) unpacked once into a directory that
 * the runners use as {@code python.home}.
 *
 * <p>Why: with {@code Lib/} only inside the jar, Jython reaches it through {@code zipimport}, which caches the
 * jar's whole central directory (25,000 entries as Python tuples of longs and strings: 24 MB of heap in every
 * runner) the first time an import misses every directory on {@code sys.path}, which the {@code os} module's
 * {@code import org.python.core...} always does. From a plain directory the same modules load without that cache;
 * the runner then drops the jar from {@code sys.path}. Unpacked next to the jar it came from, into a temporary
 * directory first and renamed when complete, so that concurrent Hostels and a half-done unpack are harmless.
 */
final class JythonHome {
    private static final Logger LOG = Logger.getLogger(JythonHome.class.getName());

    private JythonHome() {
    }

    /** The unpacked home for the Jython jar in {@code libDir}, unpacking it first if needed; empty on failure. */
    static Optional<Path> prepare(Path libDir, Path into) {
        try (Stream<Path> jars = Files.list(libDir)) {
            Optional<Path> jar = jars.filter(p -> p.getFileName().toString().startsWith("jython-standalone-"))
                    .findFirst();
            if (jar.isEmpty()) {
                return Optional.empty();
            }
            String name = jar.get().getFileName().toString().replaceAll("\\.jar$", "");
            Path home = into.resolve(name + "-" + Long.toHexString(Files.getLastModifiedTime(jar.get()).toMillis()));
            if (Files.isDirectory(home.resolve("Lib"))) {
                readableByAll(home); // made by a Hostel before runners had users of their own
                return Optional.of(home);
            }
            long started = System.nanoTime();
            Files.createDirectories(into);
            Path tmp = Files.createTempDirectory(into, name + ".tmp");
            unpackLib(jar.get(), tmp);
            readableByAll(tmp); // a temporary folder is 0700, and every site's user reads this one
            try {
                Files.move(tmp, home, StandardCopyOption.ATOMIC_MOVE);
            } catch (IOException anotherHostelWasFaster) {
                MemoryCgroups.removeTree(tmp);
            }
            LOG.info(() -> "Jython's Lib unpacked into " + home + " in "
                    + (System.nanoTime() - started) / 1_000_000 + " ms");
            return Files.isDirectory(home.resolve("Lib")) ? Optional.of(home) : Optional.empty();
        } catch (IOException | RuntimeException e) {
            LOG.warning(() -> "cannot unpack Jython's Lib into " + into + " (" + e + "); runners import it from the"
                    + " jar, which costs them about 24 MB more heap");
            return Optional.empty();
        }
    }

    private static void readableByAll(Path home) throws IOException {
        Set<PosixFilePermission> mode = Files.getPosixFilePermissions(home);
        if (!mode.contains(PosixFilePermission.OTHERS_EXECUTE)) {
            Files.setPosixFilePermissions(home, PosixFilePermissions.fromString("rwxr-xr-x"));
        }
    }

    private static void unpackLib(Path jar, Path into) throws IOException {
        try (ZipFile zip = new ZipFile(jar.toFile())) {
            Enumeration<? extends ZipEntry> entries = zip.entries();
            while (entries.hasMoreElements()) {
                ZipEntry entry = entries.nextElement();
                if (!entry.getName().startsWith("Lib/") || entry.getName().contains("..")) {
                    continue;
                }
                Path target = into.resolve(entry.getName());
                if (entry.isDirectory()) {
                    Files.createDirectories(target);
                    continue;
                }
                Files.createDirectories(target.getParent());
                try (InputStream in = zip.getInputStream(entry)) {
                    Files.copy(in, target);
                }
                // Jython recompiles a module whose $py.class looks older than its source.
                Files.setLastModifiedTime(target, entry.getLastModifiedTime());
            }
        }
    }
}
