package dev.hostel.gateway.cli;

import dev.hostel.gateway.config.HostelConfig;
import dev.hostel.gateway.config.SiteConfig;
import dev.hostel.gateway.supervisor.SiteUsers;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Stream;

/**
 * What {@code hostel check} warns about for sites that are strangers to each other (README, "Security"): Hostel not
 * running as root (then every site shares its user), a configuration folder other users can write, and a site's
 * files that other users (so other sites' users) can read or write. Warnings do not fail the check.
 */
final class SecurityWarnings {
    /** A site's folder is looked at this deep, at most: enough to tell, cheap on a big tree. */
    private static final int MAX_FILES = 10_000;

    private SecurityWarnings() {}

    static List<String> of(HostelConfig hostel, List<SiteConfig> sites, SiteUsers users) {
        List<String> warnings = new ArrayList<>();
        if (!users.switching()) {
            warnings.add("warning: not running as root (uid " + users.own().uid() + "): if Hostel runs as this user,"
                    + " every site runs as uid " + users.own().uid() + " too and can reach the others' processes,"
                    + " environment and files, and the admin socket (README, \"Security: sites are strangers\")");
        }
        for (Path dir : List.of(hostel.sitesDir(), hostel.sitesDir().getParent())) {
            if (dir != null && writableByOthers(dir)) {
                warnings.add("warning: " + dir + " is writable by other users: a site's user could add or change"
                        + " sites; chmod go-w " + dir);
            }
        }
        for (SiteConfig site : sites) {
            siteFiles(site).ifPresent(warnings::add);
        }
        return warnings;
    }

    /** A warning when files under the site's root can be written, or read, by every user. */
    private static Optional<String> siteFiles(SiteConfig site) {
        int writable = 0;
        int readable = 0;
        Path example = null;
        try (Stream<Path> files = Files.walk(site.root()).limit(MAX_FILES)) {
            for (Path p : files.toList()) {
                Set<PosixFilePermission> mode = Files.getPosixFilePermissions(p, LinkOption.NOFOLLOW_LINKS);
                if (mode.contains(PosixFilePermission.OTHERS_WRITE) && !Files.isSymbolicLink(p)) {
                    writable++;
                    example = p;
                } else if (mode.contains(PosixFilePermission.OTHERS_READ) && Files.isRegularFile(p)) {
                    readable++;
                    example = example == null ? p : example;
                }
            }
        } catch (IOException | UnsupportedOperationException e) {
            return Optional.empty();
        }
        if (writable > 0) {
            return Optional.of("warning: site " + site.name() + ": " + writable + " file(s) under "
                    + site.root() + " are writable by every user, so by other sites' users (e.g. " + example
                    + "); chmod -R o-w " + site.root());
        }
        if (readable > 0) {
            return Optional.of("warning: site " + site.name() + ": " + readable + " file(s) under "
                    + site.root() + " are readable by every user, so by other sites' users (e.g. " + example
                    + "); give the site a user or group that owns them and chmod -R o-rwx " + site.root());
        }
        return Optional.empty();
    }

    private static boolean writableByOthers(Path dir) {
        try {
            Set<PosixFilePermission> mode = Files.getPosixFilePermissions(dir);
            return mode.contains(PosixFilePermission.OTHERS_WRITE) || mode.contains(PosixFilePermission.GROUP_WRITE)
                    && !Files.getAttribute(dir, "unix:gid").equals(0);
        } catch (IOException | UnsupportedOperationException | IllegalArgumentException e) {
            return false;
        }
    }
}
