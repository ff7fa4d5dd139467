package dev.hostel.gateway.admin;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.hostel.gateway.config.ConfigError;
import dev.hostel.gateway.config.ConfigLoader;
import dev.hostel.gateway.config.SiteConfig;
import dev.hostel.gateway.config.SiteSet;

import java.nio.file.Path;
import java.util.List;

import org.junit.jupiter.api.Test;

/** What a reload of sites.d changes, worked out from the running sites and the files, without applying it. */
class SiteDiffTest {
    private static final Path HOME = Path.of(System.getProperty("hostel.home", "..")).toAbsolutePath().normalize();
    private static final Path DIR = Path.of("/etc/hostel/sites.d");

    private static SiteConfig site(String name, String host, String extra) {
        return ConfigLoader.parseSite(name, """
                hosts = ["%s"]
                app = "hello:application"
                root = "sites/hello"
                %s
                """.formatted(host, extra), DIR.resolve(name + ".toml"), HOME);
    }

    private static ConfigError broken(String name) {
        return new ConfigError(DIR.resolve(name + ".toml").toString(), 3, "memory", "\"12X\" is not a size");
    }

    @Test
    void onlyWhatDiffersIsApplied() {
        SiteConfig a = site("a", "a.test", "");
        SiteConfig b = site("b", "b.test", "");
        SiteConfig c = site("c", "c.test", "");
        SiteConfig b2 = site("b", "b.test", "threads = 4");
        SiteConfig d = site("d", "d.test", "");

        SiteDiff diff = SiteDiff.between(List.of(a, b, c), new SiteSet(List.of(a, b2, d), List.of()));

        assertEquals(List.of(d), diff.added());
        assertEquals(List.of(b2), diff.changed());
        assertEquals(List.of("c"), diff.removed());
        assertTrue(diff.errors().isEmpty());
    }

    @Test
    void theSameFilesChangeNothing() {
        SiteConfig a = site("a", "a.test", "");
        SiteDiff diff = SiteDiff.between(List.of(a), new SiteSet(List.of(site("a", "a.test", "")), List.of()));
        assertTrue(diff.isEmpty(), diff.toString());
    }

    @Test
    void aBrokenFileKeepsItsSitesLastGoodVersionAndIsReported() {
        SiteConfig a = site("a", "a.test", "");
        SiteConfig b = site("b", "b.test", "");

        SiteDiff diff = SiteDiff.between(List.of(a, b), new SiteSet(List.of(a), List.of(broken("b"))));

        assertTrue(diff.isEmpty(), "the site of the broken file was touched: " + diff);
        assertEquals(List.of(broken("b")), diff.errors());
    }

    @Test
    void aSiteMayNotTakeAHostOfASiteThatKeepsItsOldVersion() {
        SiteConfig a = site("a", "a.test", "");
        SiteConfig b = site("b", "b.test", "");
        SiteConfig thief = site("c", "b.test", "");

        SiteDiff diff = SiteDiff.between(List.of(a, b), new SiteSet(List.of(a, thief), List.of(broken("b"))));

        assertTrue(diff.added().isEmpty(), diff.toString());
        assertEquals(2, diff.errors().size(), diff.toString());
        assertEquals("hosts", diff.errors().get(1).key());
    }

    @Test
    void aSiteThatDidNotComeFromAFileIsLeftAlone() {
        SiteConfig fromApi = ConfigLoader.parseSite("api", """
                hosts = ["api.test"]
                app = "hello:application"
                root = "sites/hello"
                """, null, HOME);
        SiteDiff diff = SiteDiff.between(List.of(fromApi), new SiteSet(List.of(), List.of()));
        assertTrue(diff.removed().isEmpty(), diff.toString());
    }
}
