package dev.hostel.gateway.cli;

import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;

import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveOutputStream;

/**
 * What {@code hostel ctl deploy NAME SOURCE} sends: a folder as a tar made on the fly (without {@code .git} and
 * compiled files, which the release compiles afresh), a {@code .tar}/{@code .tar.gz} file as it is, or {@code -}:
 * standard input, as {@code git archive HEAD} writes it.
 */
final class ReleaseSource {
    private final String source;

    ReleaseSource(String source) {
        this.source = source;
    }

    /** What it is, for messages. */
    String describe() {
        return source.equals("-") ? "standard input" : source;
    }

    /** Checks that the source exists before anything is sent. */
    void check() throws IOException {
        if (!source.equals("-") && !Files.exists(Path.of(source))) {
            throw new IOException(source + " does not exist");
        }
    }

    void writeTo(OutputStream out) throws IOException {
        if (source.equals("-")) {
            copy(System.in, out);
            return;
        }
        Path path = Path.of(source);
        if (Files.isDirectory(path)) {
            tar(path, out);
        } else {
            try (InputStream in = Files.newInputStream(path)) {
                copy(in, out);
            }
        }
    }

    private static void tar(Path folder, OutputStream out) throws IOException {
        BufferedOutputStream buffered = new BufferedOutputStream(out, 64 * 1024);
        TarArchiveOutputStream tar = new TarArchiveOutputStream(buffered);
        tar.setLongFileMode(TarArchiveOutputStream.LONGFILE_POSIX);
        tar.setBigNumberMode(TarArchiveOutputStream.BIGNUMBER_POSIX);
        Files.walkFileTree(folder, new SimpleFileVisitor<>() {
            @Override
            public FileVisitResult preVisitDirectory(Path dir, BasicFileAttributes attrs) throws IOException {
                String name = dir.getFileName().toString();
                if (!dir.equals(folder) && (name.equals(".git") || name.equals("__pycache__"))) {
                    return FileVisitResult.SKIP_SUBTREE;
                }
                if (!dir.equals(folder)) {
                    tar.putArchiveEntry(new TarArchiveEntry(dir.toFile(), folder.relativize(dir) + "/"));
                    tar.closeArchiveEntry();
                }
                return FileVisitResult.CONTINUE;
            }

            @Override
            public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) throws IOException {
                String name = file.getFileName().toString();
                if (name.endsWith("$py.class") || name.endsWith(".pyc")) {
                    return FileVisitResult.CONTINUE;
                }
                String entryName = folder.relativize(file).toString();
                if (attrs.isSymbolicLink()) {
                    TarArchiveEntry link = new TarArchiveEntry(entryName, TarArchiveEntry.LF_SYMLINK);
                    link.setLinkName(Files.readSymbolicLink(file).toString());
                    tar.putArchiveEntry(link);
                } else if (attrs.isRegularFile()) {
                    tar.putArchiveEntry(new TarArchiveEntry(file.toFile(), entryName));
                    Files.copy(file, tar);
                } else {
                    return FileVisitResult.CONTINUE;
                }
                tar.closeArchiveEntry();
                return FileVisitResult.CONTINUE;
            }
        });
        tar.finish();
        buffered.flush(); // not tar.close(): the stream below belongs to the caller

    }

    private static void copy(InputStream in, OutputStream out) throws IOException {
        in.transferTo(out);
        out.flush();
    }
}
