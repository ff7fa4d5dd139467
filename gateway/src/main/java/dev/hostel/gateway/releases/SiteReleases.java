package dev.hostel.gateway.releases;

import dev.hostel.gateway.config.ReleaseSettings;
import dev.hostel.gateway.config.Units;

import java.io.IOException;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Set;
import java.util.Optional;
import java.util.stream.Stream;

/**
 * The releases of one site on disk: {@code PREFIX/releases/NAME/ID/} for each, numbered 1, 2, 3 ... in the order
 * they came, and the link {@code current} to the one that serves, swapped in one rename so that a runner started at
 * any moment sees one release or the other, never a mix. Not thread-safe: the admin controller's single thread is
 * its only user.
 */
public final class SiteReleases {
    /** A release as {@code GET /sites/NAME/releases} shows it. */
    public record Release(String id, Instant created, long bytes, boolean current) {
    }

    private final Path dir;

    public SiteReleases(Path dir) {
        this.dir = dir;
    }

    public static SiteReleases of(Path prefix, String site) {
        return new SiteReleases(ReleaseSettings.folder(prefix, site));
    }

    public Path dir() {
        return dir;
    }

    /** Every release, oldest first. */
    public List<Release> list() throws IOException {
        if (!Files.isDirectory(dir)) {
            return List.of();
        }
        Optional<String> current = current();
        List<Release> releases = new ArrayList<>();
        for (Path release : ids()) {
            String id = release.getFileName().toString();
            releases.add(new Release(id, Files.getLastModifiedTime(release).toInstant(), size(release),
                    current.filter(id::equals).isPresent()));
        }
        return releases;
    }

    /** The id of the release that serves, if any. */
    public Optional<String> current() throws IOException {
        Path link = dir.resolve(ReleaseSettings.CURRENT);
        if (!Files.isSymbolicLink(link)) {
            return Optional.empty();
        }
        return Optional.of(Files.readSymbolicLink(link).getFileName().toString());
    }

    public Path path(String id) {
        return dir.resolve(id);
    }

    public boolean exists(String id) {
        return id.matches("\\d{1,9}") && Files.isDirectory(path(id), LinkOption.NOFOLLOW_LINKS);
    }

    /**
     * Unpacks {@code archive} as the next release, after giving up the oldest releases beyond {@code keep - 1}
     * (never the current one), within the site's {@code disk} quota.
     *
     * @return the new release's id
     */
    public String add(Path archive, ReleaseSettings settings) throws IOException, ReleaseException {
        Files.createDirectories(dir);
        // The quota counts what stays once this release serves: the keep - 1 newest others, and the current one.
        long used = 0;
        for (Path release : kept(settings.keep() - 1)) {
            used += size(release);
        }
        long room = Long.MAX_VALUE;
        String quotaWhy = "";
        if (settings.disk() > 0) {
            room = settings.disk() - used;
            quotaWhy = "the site's disk quota of " + Units.formatSize(settings.disk()) + " (its other releases take "
                    + Units.formatSize(used) + ")";
            if (room <= 0) {
                throw new ReleaseException(507, "no room left in " + quotaWhy);
            }
        }
        String id = Integer.toString(ids().stream()
                .mapToInt(p -> Integer.parseInt(p.getFileName().toString())).max().orElse(0) + 1);
        Path incoming = Files.createDirectory(dir.resolve(".incoming-" + id));
        try {
            ReleaseArchive.unpack(archive, incoming, room, quotaWhy);
            Files.move(incoming, path(id), StandardCopyOption.ATOMIC_MOVE);
            return id;
        } finally {
            deleteTree(incoming);
        }
    }

    /**
     * Opens release {@code id} to every user for reading (folders 0755, files 0644, or 0755 when executable),
     * whatever the umask: the site's runners run as its own user, not as Hostel's, and the compiled
     * {@code $py.class} files are written by Hostel.
     */
    public void openToAll(String id) throws IOException {
        for (Path folder : List.of(dir.getParent(), dir)) {
            Files.setPosixFilePermissions(folder, PosixFilePermissions.fromString("rwxr-xr-x"));
        }
        Files.walkFileTree(path(id), new SimpleFileVisitor<>() {
            @Override
            public FileVisitResult preVisitDirectory(Path d, BasicFileAttributes attrs) throws IOException {
                Files.setPosixFilePermissions(d, PosixFilePermissions.fromString("rwxr-xr-x"));
                return FileVisitResult.CONTINUE;
            }

            @Override
            public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) throws IOException {
                if (attrs.isRegularFile()) {
                    boolean executable = Files.getPosixFilePermissions(file).contains(PosixFilePermission.OWNER_EXECUTE);
                    Files.setPosixFilePermissions(file, PosixFilePermissions.fromString(
                            executable ? "rwxr-xr-x" : "rw-r--r--"));
                }
                return FileVisitResult.CONTINUE;
            }
        });
    }

    /** Points {@code current} at release {@code id}, in one rename. */
    public void activate(String id) throws IOException {
        Path tmp = dir.resolve(".current-" + id);
        Files.deleteIfExists(tmp);
        Files.createSymbolicLink(tmp, Path.of(id));
        Files.move(tmp, dir.resolve(ReleaseSettings.CURRENT), StandardCopyOption.ATOMIC_MOVE,
                StandardCopyOption.REPLACE_EXISTING);
    }

    /** Removes {@code current}: the site has no release (its first one failed to start). */
    public void deactivate() throws IOException {
        Files.deleteIfExists(dir.resolve(ReleaseSettings.CURRENT));
    }

    /** Deletes release {@code id} (one that never served, or one given up). */
    public void delete(String id) throws IOException {
        deleteTree(path(id));
    }

    /** Keeps the {@code keep} newest releases and the current one; deletes the rest. */
    public void prune(int keep) throws IOException {
        prune(keep, Set.of());
    }

    /**
     * Keeps the {@code keep} newest releases, the current one and those of {@code inUse} (e.g. the previous one
     * while its runners drain); deletes the rest.
     */
    public void prune(int keep, Set<String> inUse) throws IOException {
        List<Path> kept = kept(keep);
        for (Path release : ids()) {
            if (!kept.contains(release) && !inUse.contains(release.getFileName().toString())) {
                deleteTree(release);
            }
        }
    }

    /** The {@code keep} newest releases and the current one. */
    private List<Path> kept(int keep) throws IOException {
        Optional<String> current = current();
        List<Path> all = ids();
        List<Path> kept = new ArrayList<>();
        for (int i = 0; i < all.size(); i++) {
            if (i >= all.size() - keep || current.filter(all.get(i).getFileName().toString()::equals).isPresent()) {
                kept.add(all.get(i));
            }
        }
        return kept;
    }

    private List<Path> ids() throws IOException {
        try (Stream<Path> entries = Files.list(dir)) {
            return entries.filter(p -> p.getFileName().toString().matches("\\d{1,9}"))
                    .filter(p -> Files.isDirectory(p, LinkOption.NOFOLLOW_LINKS))
                    .sorted(Comparator.comparingInt(p -> Integer.parseInt(p.getFileName().toString())))
                    .toList();
        }
    }

    /** Bytes of the files below {@code folder}, links not followed ($py.class files count: they take disk too). */
    static long size(Path folder) throws IOException {
        long[] total = {0};
        Files.walkFileTree(folder, new SimpleFileVisitor<>() {
            @Override
            public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) {
                total[0] += attrs.isRegularFile() ? attrs.size() : 0;
                return FileVisitResult.CONTINUE;
            }
        });
        return total[0];
    }

    static void deleteTree(Path folder) throws IOException {
        if (!Files.exists(folder, LinkOption.NOFOLLOW_LINKS)) {
            return;
        }
        Files.walkFileTree(folder, new SimpleFileVisitor<>() {
            @Override
            public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) throws IOException {
                Files.delete(file);
                return FileVisitResult.CONTINUE;
            }

            @Override
            public FileVisitResult postVisitDirectory(Path d, IOException e) throws IOException {
                Files.delete(d);
                return FileVisitResult.CONTINUE;
            }
        });
    }
}
