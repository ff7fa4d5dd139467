package dev.hostel.runner;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import jnr.ffi.LibraryLoader;
import jnr.ffi.LibraryOption;

/**
 * How a spare runner started privileged becomes its site's user, once, before it touches any file of the site or
 * imports any of its code: as uWSGI's and mod_wsgi's daemons do, through the C library (a JVM cannot change its
 * user otherwise). jnr-ffi ships inside jython-standalone; jnr-posix (also there) has no {@code setgroups}.
 *
 * <p>Order: {@code setgroups} (none), {@code setresgid}, {@code setresuid} (real, effective and saved alike, so
 * nothing can be switched back). glibc applies each to every thread of the process. A full change of uid away
 * from 0 clears the permitted and effective capabilities, and the spare was started with {@code no_new_privs}, so
 * no set-uid program can give them back. Then it checks, and refuses to go on (the caller exits) unless: the real,
 * effective and saved ids are the site's, there are no supplementary groups, no capability is left, and
 * {@code setuid(0)} fails.
 *
 * <p>What the spare holds open when it switches: its stdin, stdout and stderr pipes to the gateway (the same as a
 * runner started as the user has), the jars and the class-data archive (read only), the event loop's epoll and
 * eventfd descriptors. None of them grants anything a site's user could not otherwise do.
 *
 * @param uid         the site's user
 * @param gid         its one group
 * @param name        its name, for {@code USER}, {@code LOGNAME} and {@code user.name}
 * @param home        its {@code HOME}
 * @param importLocks the folder of that user's import locks ({@link ImportLock})
 */
record UserSwitch(int uid, int gid, String name, String home, String importLocks) {

    /** The C library's calls used here; public, as jnr-ffi requires. */
    public interface LibC {
        int setgroups(long size, int[] list);

        int getgroups(int size, int[] list);

        int setresgid(int real, int effective, int saved);

        int setresuid(int real, int effective, int saved);

        int getresuid(int[] real, int[] effective, int[] saved);

        int getresgid(int[] real, int[] effective, int[] saved);

        int setuid(int uid);

        int setgid(int gid);
    }

    UserSwitch {
        if (uid <= 0 || gid <= 0) {
            throw new IllegalArgumentException("LOAD: user: refusing uid " + uid + ", gid " + gid);
        }
    }

    private static LibC libc() {
        return LibraryLoader.create(LibC.class).option(LibraryOption.SaveError, true).load("c");
    }

    /** The effective uid of this process, 0 when it is root. */
    static int effectiveUid() {
        int[] r = new int[1];
        int[] e = new int[1];
        int[] s = new int[1];
        libc().getresuid(r, e, s);
        return e[0];
    }

    /**
     * Becomes this user for good, and checks it.
     *
     * @throws IllegalStateException saying what failed or what is left: the runner must not go on
     */
    void apply() {
        LibC libc = libc();
        call("setgroups([])", libc.setgroups(0, new int[0]));
        call("setresgid(" + gid + ")", libc.setresgid(gid, gid, gid));
        call("setresuid(" + uid + ")", libc.setresuid(uid, uid, uid));
        verify(libc);
        System.setProperty("user.name", name);
        System.setProperty("user.home", home);
        System.setProperty("hostel.import.locks", importLocks);
    }

    private void verify(LibC libc) {
        int[] r = new int[1];
        int[] e = new int[1];
        int[] s = new int[1];
        call("getresuid", libc.getresuid(r, e, s));
        require(r[0] == uid && e[0] == uid && s[0] == uid, "uids are " + r[0] + "/" + e[0] + "/" + s[0]);
        call("getresgid", libc.getresgid(r, e, s));
        require(r[0] == gid && e[0] == gid && s[0] == gid, "gids are " + r[0] + "/" + e[0] + "/" + s[0]);
        int groups = libc.getgroups(0, null);
        require(groups == 0, groups + " supplementary groups left");
        require(libc.setuid(0) != 0, "setuid(0) succeeded");
        require(libc.setgid(0) != 0, "setgid(0) succeeded");
        for (String line : status()) {
            if (line.startsWith("CapPrm:") || line.startsWith("CapEff:") || line.startsWith("CapAmb:")) {
                require(Long.parseUnsignedLong(line.substring(7).trim(), 16) == 0, "capabilities left: " + line);
            }
        }
    }

    private static List<String> status() {
        try {
            return Files.readAllLines(Path.of("/proc/self/status"));
        } catch (IOException e) {
            throw new IllegalStateException("cannot read /proc/self/status to check the capabilities: " + e);
        }
    }

    private void require(boolean condition, String what) {
        if (!condition) {
            throw new IllegalStateException("after switching to uid " + uid + ", gid " + gid + ": " + what);
        }
    }

    private static void call(String what, int result) {
        if (result != 0) {
            throw new IllegalStateException(what + " failed (errno "
                    + jnr.ffi.Runtime.getSystemRuntime().getLastError() + ")");
        }
    }
}
