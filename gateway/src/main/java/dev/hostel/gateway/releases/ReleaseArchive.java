package dev.hostel.gateway.releases;

import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.zip.GZIPInputStream;

import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveInputStream;
import org.apache.commons.compress.archivers.tar.TarConstants;

/**
 * Unpacks a tar or tar.gz (told apart by gzip's magic bytes) into an empty folder, refusing anything that could
 * write or point outside it or that a site's code has no use for: absolute paths, {@code ..}, links whose target
 * leaves the folder, hard links, device files and FIFOs, and more than {@code maxBytes} of content or
 * {@link #MAX_ENTRIES} entries. Each refusal names the entry. Files get mode 0644 (0755 when the archive marks
 * them executable): an archive's modes and owners are not trusted ({@link SiteReleases#openToAll} then opens the
 * folders and the compiled files to the site's user).
 */
public final class ReleaseArchive {
    /** More entries than a small site's code has, by far; a guard against an archive of millions of empty files. */
    static final int MAX_ENTRIES = 100_000;

    private ReleaseArchive() {
    }

    /**
     * @return the bytes of content unpacked
     * @throws ReleaseException (400) naming the entry that was refused, or (507) when over {@code maxBytes};
     *                          the caller deletes {@code into}
     */
    public static long unpack(Path archive, Path into, long maxBytes, String quotaWhy)
            throws IOException, ReleaseException {
        Path root = into.toRealPath();
        long total = 0;
        int entries = 0;
        try (InputStream in = open(archive); TarArchiveInputStream tar = new TarArchiveInputStream(in)) {
            TarArchiveEntry entry;
            while ((entry = nextEntry(tar)) != null) {
                if (++entries > MAX_ENTRIES) {
                    throw new ReleaseException(400, "more than " + MAX_ENTRIES + " entries in the archive");
                }
                String name = entry.getName();
                Path target = inside(root, name);
                if (target == null) {
                    continue; // "./" itself
                }
                if (entry.isDirectory()) {
                    Files.createDirectories(target);
                } else if (entry.isSymbolicLink()) {
                    String link = entry.getLinkName();
                    if (link.startsWith("/") || !target.getParent().resolve(link).normalize().startsWith(root)) {
                        throw new ReleaseException(400, "entry " + quote(name) + ": a link to " + quote(link)
                                + ", which leads out of the release");
                    }
                    Files.createDirectories(target.getParent());
                    Files.createSymbolicLink(target, Path.of(link));
                } else if (entry.isLink()) {
                    throw new ReleaseException(400, "entry " + quote(name) + ": a hard link (to "
                            + quote(entry.getLinkName()) + "); make it a copy or a symbolic link");
                } else if (isPlainFile(entry)) {
                    Files.createDirectories(target.getParent());
                    ensureInside(root, target.getParent(), name);
                    total += copy(tar, target, maxBytes - total, name, quotaWhy);
                    boolean executable = (entry.getMode() & 0100) != 0;
                    Files.setPosixFilePermissions(target, PosixFilePermissions.fromString(
                            executable ? "rwxr-xr-x" : "rw-r--r--"));
                } else {
                    throw new ReleaseException(400, "entry " + quote(name) + ": " + kind(entry)
                            + "; a release holds only files, folders and links within it");
                }
            }
        } catch (IOException e) {
            if (e.getMessage() != null && e.getMessage().contains("Not in GZIP format")) {
                throw new ReleaseException(400, "not a tar or tar.gz archive");
            }
            throw new ReleaseException(400, "not a readable tar or tar.gz archive: " + e.getMessage());
        }
        if (entries == 0) {
            throw new ReleaseException(400, "the archive is empty (or not a tar archive)");
        }
        return total;
    }

    /** Not {@code isFile()}, which is true of devices and FIFOs too. */
    private static boolean isPlainFile(TarArchiveEntry entry) {
        byte type = entry.getLinkFlag();
        return (type == TarConstants.LF_NORMAL || type == TarConstants.LF_OLDNORM || type == TarConstants.LF_CONTIG)
                && !entry.isCharacterDevice() && !entry.isBlockDevice() && !entry.isFIFO();
    }

    private static TarArchiveEntry nextEntry(TarArchiveInputStream tar) throws IOException {
        return tar.getNextEntry();
    }

    private static InputStream open(Path archive) throws IOException {
        InputStream in = new BufferedInputStream(Files.newInputStream(archive), 64 * 1024);
        in.mark(2);
        int b1 = in.read();
        int b2 = in.read();
        in.reset();
        return b1 == 0x1f && b2 == 0x8b ? new BufferedInputStream(new GZIPInputStream(in, 64 * 1024)) : in;
    }

    /** Where {@code name} goes below {@code root}; null for the root itself. */
    private static Path inside(Path root, String name) throws ReleaseException {
        if (name.startsWith("/")) {
            throw new ReleaseException(400, "entry " + quote(name) + ": an absolute path");
        }
        for (String part : name.split("/")) {
            if (part.equals("..")) {
                throw new ReleaseException(400, "entry " + quote(name) + ": a path through ..");
            }
            if (part.indexOf('\0') >= 0) {
                throw new ReleaseException(400, "entry " + quote(name) + ": a NUL in its name");
            }
        }
        Path target = root.resolve(name).normalize();
        if (target.equals(root)) {
            return null;
        }
        if (!target.startsWith(root)) {
            throw new ReleaseException(400, "entry " + quote(name) + ": outside the release");
        }
        return target;
    }

    /** A link unpacked earlier may point a folder elsewhere inside; never outside, but check where it leads. */
    private static void ensureInside(Path root, Path folder, String name) throws IOException, ReleaseException {
        if (!folder.toRealPath().startsWith(root)) {
            throw new ReleaseException(400, "entry " + quote(name) + ": written through a link that leads out");
        }
    }

    private static long copy(InputStream in, Path target, long room, String name, String quotaWhy)
            throws IOException, ReleaseException {
        byte[] buffer = new byte[64 * 1024];
        long written = 0;
        try (OutputStream out = Files.newOutputStream(target)) {
            int n;
            while ((n = in.read(buffer)) > 0) {
                written += n;
                if (written > room) {
                    throw new ReleaseException(507, "entry " + quote(name) + " goes over " + quotaWhy);
                }
                out.write(buffer, 0, n);
            }
        }
        return written;
    }

    private static String kind(TarArchiveEntry entry) {
        if (entry.isCharacterDevice() || entry.isBlockDevice()) {
            return "a device file";
        }
        if (entry.isFIFO()) {
            return "a FIFO";
        }
        return "an entry of type '" + (char) entry.getLinkFlag() + "'";
    }

    private static String quote(String s) {
        return "\"" + s.replace("\"", "\\\"") + "\"";
    }
}
