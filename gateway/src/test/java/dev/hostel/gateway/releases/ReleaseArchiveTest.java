package dev.hostel.gateway.releases;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.zip.GZIPOutputStream;

import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveOutputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Archives as {@code git archive} and {@code tar} make them, and as an attacker would. */
class ReleaseArchiveTest {
    @TempDir
    Path dir;

    @FunctionalInterface
    interface Entries {
        void write(TarArchiveOutputStream tar) throws IOException;
    }

    private Path archive(boolean gzip, Entries entries) throws IOException {
        Path file = dir.resolve(gzip ? "a.tar.gz" : "a.tar");
        try (OutputStream raw = Files.newOutputStream(file);
             OutputStream out = gzip ? new GZIPOutputStream(raw) : raw;
             TarArchiveOutputStream tar = new TarArchiveOutputStream(out)) {
            entries.write(tar);
        }
        return file;
    }

    private static void file(TarArchiveOutputStream tar, String name, String content) throws IOException {
        TarArchiveEntry entry = new TarArchiveEntry(name, true);
        byte[] bytes = content.getBytes(StandardCharsets.UTF_8);
        entry.setSize(bytes.length);
        tar.putArchiveEntry(entry);
        tar.write(bytes);
        tar.closeArchiveEntry();
    }

    private static void special(TarArchiveOutputStream tar, String name, byte type, String link) throws IOException {
        TarArchiveEntry entry = new TarArchiveEntry(name, type, true);
        if (link != null) {
            entry.setLinkName(link);
        }
        tar.putArchiveEntry(entry);
        tar.closeArchiveEntry();
    }

    private ReleaseException refused(Entries entries) throws IOException {
        Path into = Files.createDirectories(dir.resolve("into"));
        Path archive = archive(false, entries);
        return assertThrows(ReleaseException.class, () -> ReleaseArchive.unpack(archive, into, 1 << 20, "the quota"));
    }

    @Test
    void aTarGzOfFilesFoldersAndInsideLinksIsUnpacked() throws Exception {
        Path into = Files.createDirectories(dir.resolve("into"));
        Path archive = archive(true, tar -> {
            special(tar, "./", TarArchiveEntry.LF_DIR, null);
            file(tar, "./pkg/app.py", "x = 1\n");
            special(tar, "./latest.py", TarArchiveEntry.LF_SYMLINK, "pkg/app.py");
        });
        long bytes = ReleaseArchive.unpack(archive, into, 1 << 20, "the quota");
        assertEquals(6, bytes);
        assertEquals("x = 1\n", Files.readString(into.resolve("latest.py")));
    }

    @Test
    void pathsOutOfTheReleaseAreRefusedByName() throws Exception {
        assertTrue(refused(tar -> file(tar, "../x", "")).getMessage().contains("\"../x\": a path through .."));
        assertTrue(refused(tar -> file(tar, "/etc/x", "")).getMessage().contains("absolute"));
        assertTrue(refused(tar -> special(tar, "etc", TarArchiveEntry.LF_SYMLINK, "/etc")).getMessage()
                .contains("leads out"));
        assertTrue(refused(tar -> special(tar, "up", TarArchiveEntry.LF_SYMLINK, "../../..")).getMessage()
                .contains("leads out"));
        assertTrue(refused(tar -> special(tar, "h", TarArchiveEntry.LF_LINK, "a")).getMessage()
                .contains("hard link"));
        assertFalse(Files.exists(dir.resolve("x")));
    }

    @Test
    void devicesAndFifosAreRefused() throws Exception {
        assertTrue(refused(tar -> special(tar, "null", TarArchiveEntry.LF_CHR, null)).getMessage()
                .contains("device file"));
        assertTrue(refused(tar -> special(tar, "sda", TarArchiveEntry.LF_BLK, null)).getMessage()
                .contains("device file"));
        assertTrue(refused(tar -> special(tar, "p", TarArchiveEntry.LF_FIFO, null)).getMessage().contains("FIFO"));
    }

    @Test
    void contentOverTheLimitIs507() throws Exception {
        ReleaseException e = refused(tar -> file(tar, "big", "x".repeat(2 << 20)));
        assertEquals(507, e.status());
        assertTrue(e.getMessage().contains("\"big\" goes over the quota"), e.getMessage());
    }

    @Test
    void notATarIs400() throws Exception {
        Path into = Files.createDirectories(dir.resolve("into"));
        Path text = dir.resolve("t");
        Files.writeString(text, "hello ".repeat(200));
        assertEquals(400, assertThrows(ReleaseException.class,
                () -> ReleaseArchive.unpack(text, into, 1 << 20, "q")).status());
    }
}
