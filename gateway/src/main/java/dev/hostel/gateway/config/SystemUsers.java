package dev.hostel.gateway.config;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

/**
 * The users and groups of this machine, as {@code /etc/passwd} and {@code /etc/group} list them (read each time:
 * the files are small and a site's {@code user} is looked up when it is loaded and when a runner starts). Names
 * served by NSS modules other than {@code files} (LDAP, say) are not seen; a numeric id works without any entry.
 */
public final class SystemUsers {
    private static final Path PASSWD = Path.of("/etc/passwd");
    private static final Path GROUP = Path.of("/etc/group");

    /** One user: its name (the number for an id without an entry), uid, primary gid and home directory. */
    public record Account(String name, int uid, int gid, String home) {}

    private SystemUsers() {}

    /**
     * The user named {@code nameOrId}, or with that uid. A number without an entry is a user all the same (with
     * the same number as its group and {@code /} as its home), as systemd's {@code User=} allows.
     */
    public static Optional<Account> user(String nameOrId) {
        Optional<Integer> id = number(nameOrId);
        for (String[] entry : entries(PASSWD, 7)) {
            if (entry[0].equals(nameOrId) || id.isPresent() && entry[2].equals(nameOrId)) {
                try {
                    return Optional.of(new Account(entry[0], Integer.parseInt(entry[2]),
                            Integer.parseInt(entry[3]), entry[5].isEmpty() ? "/" : entry[5]));
                } catch (NumberFormatException e) {
                    return Optional.empty();
                }
            }
        }
        return id.map(uid -> new Account(nameOrId, uid, uid, "/"));
    }

    /** The gid of the group named {@code nameOrId}, or the number itself. */
    public static Optional<Integer> group(String nameOrId) {
        Optional<Integer> id = number(nameOrId);
        if (id.isPresent()) {
            return id;
        }
        for (String[] entry : entries(GROUP, 4)) {
            if (entry[0].equals(nameOrId)) {
                return number(entry[2]);
            }
        }
        return Optional.empty();
    }

    /** Whether some user in {@code /etc/passwd} has {@code uid}: such a uid is never handed out as a dynamic one. */
    public static boolean uidTaken(int uid) {
        String wanted = Integer.toString(uid);
        return entries(PASSWD, 7).stream().anyMatch(e -> e[2].equals(wanted));
    }

    private static Optional<Integer> number(String s) {
        if (s.isEmpty() || s.length() > 10 || !s.chars().allMatch(Character::isDigit)) {
            return Optional.empty();
        }
        long n = Long.parseLong(s);
        return n <= Integer.MAX_VALUE ? Optional.of((int) n) : Optional.empty();
    }

    private static List<String[]> entries(Path file, int fields) {
        try {
            return Files.readAllLines(file).stream()
                    .filter(line -> !line.startsWith("#"))
                    .map(line -> line.split(":", -1))
                    .filter(parts -> parts.length >= fields)
                    .toList();
        } catch (IOException e) {
            return List.of();
        }
    }
}
