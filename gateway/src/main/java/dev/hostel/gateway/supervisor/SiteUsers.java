package dev.hostel.gateway.supervisor;

import dev.hostel.gateway.config.SiteConfig;
import dev.hostel.gateway.config.SystemUsers;

import com.sun.security.auth.module.UnixSystem;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import java.util.zip.CRC32;

/**
 * Who each site's runners run as.
 *
 * <p>When Hostel runs as root, every site runs as a user of its own, never root: {@code user}/{@code group} of its
 * site file when set; otherwise a <em>dynamic</em> uid (and the gid of the same number), as systemd's
 * {@code DynamicUser=} does, from {@link #DYNAMIC_FIRST}..{@link #DYNAMIC_LAST}. A site keeps its dynamic uid for as
 * long as Hostel runs; the uid is derived from the site's name (a CRC32 into the range), so it is usually the same
 * after a restart too, and only a collision (with another site of this Hostel, or a uid {@code /etc/passwd}
 * lists) moves it on to the next free one.
 *
 * <p>When Hostel does not run as root it cannot switch users: every site runs as Hostel's own user, and a site
 * that names another {@code user} or {@code group} is refused ({@link #refusal}).
 */
public final class SiteUsers {
    /** The first uid of the dynamic range: above 16 bits, clear of the usual users and of systemd's own ranges. */
    public static final int DYNAMIC_FIRST = 800_000;
    /** The last uid of the dynamic range (64 Ki uids). */
    public static final int DYNAMIC_LAST = DYNAMIC_FIRST + 65_535;

    private final RunAs own;
    private final Map<String, Integer> dynamicBySite = new HashMap<>();

    SiteUsers(RunAs own) {
        this.own = own;
    }

    /** The users of a Hostel running as this process's user. */
    public static SiteUsers forThisProcess() {
        return new SiteUsers(ownUser());
    }

    /** Whether sites run as users of their own (Hostel runs as root), rather than as Hostel's user. */
    public boolean switching() {
        return own.uid() == 0;
    }

    /** Hostel's own user. */
    public RunAs own() {
        return own;
    }

    /**
     * Why the runners of {@code site} cannot start, or empty: a {@code user} or {@code group} other than Hostel's
     * own when Hostel is not root.
     */
    public Optional<String> refusal(SiteConfig site) {
        if (switching()) {
            return Optional.empty();
        }
        RunAs wanted = named(site);
        if (wanted != null && (wanted.uid() != own.uid() || wanted.gid() != own.gid())) {
            return Optional.of("site " + site.name() + ": user/group " + wanted.name() + " (uid " + wanted.uid()
                    + ", gid " + wanted.gid() + ") needs Hostel to run as root (it runs as uid " + own.uid()
                    + "); remove user and group from the site file, or run Hostel as root");
        }
        return Optional.empty();
    }

    /** The user the runners of {@code site} run as. */
    public synchronized RunAs of(SiteConfig site) {
        if (!switching()) {
            return own;
        }
        RunAs named = named(site);
        if (named != null && site.user() != null) {
            return named;
        }
        int uid = dynamicBySite.computeIfAbsent(site.name(), this::pickDynamic);
        int gid = named != null ? named.gid() : uid;
        return new RunAs(uid, gid, "/", Integer.toString(uid), true);
    }

    /** What {@code user} and {@code group} of the site file name, or null when neither is set. */
    private static RunAs named(SiteConfig site) {
        if (site.user() == null && site.group() == null) {
            return null;
        }
        Optional<SystemUsers.Account> account = Optional.ofNullable(site.user()).flatMap(SystemUsers::user);
        Optional<Integer> group = Optional.ofNullable(site.group()).flatMap(SystemUsers::group);
        if (account.isEmpty()) {
            // group alone: the uid is dynamic, of which only the gid is known here
            return new RunAs(-1, group.orElseThrow(), "/", site.group(), true);
        }
        SystemUsers.Account a = account.get();
        return new RunAs(a.uid(), group.orElse(a.gid()), a.home(), a.name(), false);
    }

    /** The uid derived from the site's name, or the next one that no other site and no listed user has. */
    private int pickDynamic(String siteName) {
        CRC32 crc = new CRC32();
        crc.update(siteName.getBytes(StandardCharsets.UTF_8));
        int size = DYNAMIC_LAST - DYNAMIC_FIRST + 1;
        int start = (int) (crc.getValue() % size);
        for (int i = 0; i < size; i++) {
            int uid = DYNAMIC_FIRST + (start + i) % size;
            if (!dynamicBySite.containsValue(uid) && !SystemUsers.uidTaken(uid)) {
                return uid;
            }
        }
        throw new IllegalStateException("no free uid left in " + DYNAMIC_FIRST + ".." + DYNAMIC_LAST);
    }

    /** This process's uid and gid, with its {@code HOME}. */
    private static RunAs ownUser() {
        long uid;
        long gid;
        try {
            UnixSystem unix = new UnixSystem();
            uid = unix.getUid();
            gid = unix.getGid();
        } catch (RuntimeException | LinkageError e) {
            // Not Unix: nothing can be switched anyway; behave as a user.
            uid = -1;
            gid = -1;
        }
        String name = System.getProperty("user.name", Long.toString(uid));
        return new RunAs((int) uid, (int) gid, System.getProperty("user.home", "/"), name, false);
    }
}
