package dev.hostel.gateway.supervisor;

/**
 * The user a runner runs as: its uid, its one group (supplementary groups are cleared), the {@code HOME} it is
 * given, and how the log names it.
 *
 * @param uid     never 0 when Hostel runs as root
 * @param gid     the runner's only group
 * @param home    its {@code HOME}: the user's home directory, {@code /} for a dynamic user (as systemd's)
 * @param name    the user's name, or its uid when it has none; for the log and {@code USER}
 * @param dynamic whether the uid was picked from {@link SiteUsers}' dynamic range rather than named
 */
public record RunAs(int uid, int gid, String home, String name, boolean dynamic) {

    @Override
    public String toString() {
        return (dynamic ? "dynamic user " : "user ") + name + " (uid " + uid + ", gid " + gid + ")";
    }
}
