package dev.hostel.gateway.supervisor;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.hostel.gateway.config.ConfigLoader;
import dev.hostel.gateway.config.SiteConfig;

import java.nio.file.Path;
import java.util.List;

import org.junit.jupiter.api.Test;

/** Which kinds (ceiling, user) get a spare runner, in which order, and which sites a spare can serve. */
class SparePoolTest {
    private static final RunAs SHARED = new RunAs(1000, 1000, "/home/h", "h", false);
    private static final SiteUsers AS_ROOT = new SiteUsers(new RunAs(0, 0, "/root", "root", false));
    private static final Path HOME = Path.of(System.getProperty("hostel.home", "..")).toAbsolutePath().normalize();
    private static final long MB = 1L << 20;

    private static SiteConfig site(String name, String extra) {
        return ConfigLoader.parseSite(name, """
                hosts = ["%s.test"]
                app = "hello:application"
                root = "sites/hello"
                %s
                """.formatted(name, extra), Path.of("/etc/hostel/sites.d/" + name + ".toml"), HOME);
    }

    @Test
    void sitesThatScaleToZeroComeFirstTheMostCommonCeilingFirstThenAlwaysOnSites() {
        List<SiteConfig> sites = List.of(
                site("always", "memory = \"64M\""),
                site("a", "memory = \"256M\"\nidle_timeout = \"5m\""),
                site("b", "memory = \"96M\"\nidle_timeout = \"5m\""),
                site("c", "memory = \"96M\"\nidle_timeout = \"1m\""),
                site("d", "memory = \"128M\"\nidle_timeout = \"1m\""));
        assertEquals(List.of(96 * MB, 128 * MB, 256 * MB, 64 * MB), ceilings(wanted(sites)),
                "on demand: 96M twice, then the others smallest first; then the always-on site's 64M");
        assertEquals(List.of(128 * MB), ceilings(wanted(List.of(site("always", "")))),
                "an always-on site gets a spare too, for its next deploy");
    }

    @Test
    void asRootOneSpareOfACeilingServesEverySiteOfItStartedPrivilegedTheSitesKeepingTheirOwnUsers() {
        SiteConfig b = site("b", "memory = \"96M\"\nidle_timeout = \"5m\"");
        SiteConfig c = site("c", "memory = \"96M\"\nidle_timeout = \"1m\"");
        RunAs userOfB = AS_ROOT.of(b);
        RunAs userOfC = AS_ROOT.of(c);
        assertNotEquals(userOfB, userOfC, "each site its own dynamic user");
        assertEquals(List.of(new SparePool.Kind(96 * MB, RunnerLauncher.PRIVILEGED_SPARE)),
                SparePool.wanted(List.of(c, b), s -> RunnerLauncher.spareUser(AS_ROOT, s)),
                "one spare per ceiling, which either site can claim");
        assertEquals(RunnerLauncher.spareUser(AS_ROOT, b), RunnerLauncher.spareUser(AS_ROOT, c));
        for (RunAs user : List.of(userOfB, userOfC)) {
            assertTrue(user.uid() >= SiteUsers.DYNAMIC_FIRST && user.uid() <= SiteUsers.DYNAMIC_LAST, user.toString());
            assertEquals(user.uid(), user.gid());
        }
        assertEquals(userOfB, AS_ROOT.of(b), "a site keeps its uid");
        assertEquals(userOfB, new SiteUsers(new RunAs(0, 0, "/root", "root", false)).of(b),
                "derived from the name: the same in another Hostel");
        SiteUsers notRoot = new SiteUsers(SHARED);
        assertEquals(SHARED, RunnerLauncher.spareUser(notRoot, b), "not root: the spare runs as Hostel's user");
    }

    private static List<SparePool.Kind> wanted(List<SiteConfig> sites) {
        return SparePool.wanted(sites, s -> SHARED);
    }

    private static List<Long> ceilings(List<SparePool.Kind> kinds) {
        return kinds.stream().map(SparePool.Kind::ceiling).toList();
    }

    @Test
    void aSpareCannotServeASiteWhoseEnvOnlyANewProcessReads() {
        assertTrue(SparePool.canServe(site("plain", "env = { DJANGO_SETTINGS_MODULE = \"x.settings\" }")));
        for (String key : List.of("TZ", "LANG", "LC_ALL", "PATH", "JAVA_TOOL_OPTIONS", "LD_PRELOAD", "PYTHONPATH")) {
            assertFalse(SparePool.canServe(site("special", "env = { " + key + " = \"x\" }")), key);
        }
        assertEquals(List.of(), wanted(List.of(site("tz", "idle_timeout = \"1m\"\nenv = { TZ = \"UTC\" }"))));
    }
}
