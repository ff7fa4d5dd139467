package dev.hostel.gateway.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class LoadSitesTest {

    @TempDir Path base;

    Path sitesDir;
    HostelConfig hostel;

    @BeforeEach
    void makeConf() throws IOException {
        Files.createDirectories(base.resolve("sites/a"));
        Files.createDirectories(base.resolve("sites/b"));
        sitesDir = Files.createDirectories(base.resolve("conf/sites.d"));
        hostel = ConfigLoader.loadHostel(base.resolve("conf"));
    }

    void site(String file, String hosts, String extra) throws IOException {
        Files.writeString(
                sitesDir.resolve(file),
                "hosts = " + hosts + "\napp = \"app:application\"\nroot = \"sites/a\"\n" + extra);
    }

    String label(String file) {
        return ConfigLoader.display(sitesDir.resolve(file));
    }

    List<String> names(SiteSet set) {
        return set.sites().stream().map(SiteConfig::name).toList();
    }

    List<String> errors(SiteSet set) {
        return set.errors().stream().map(ConfigError::toString).toList();
    }

    @Test
    void loadsEveryTomlFileInNameOrder() throws IOException {
        site("c.toml", "[\"c.com\"]", "");
        site("a.toml", "[\"a.com\"]", "");
        site("b.toml", "[\"b.com\"]", "default = true\n");
        site(".hidden.toml", "[\"h.com\"]", "");
        site("notes.txt", "[\"t.com\"]", "");
        Files.createDirectories(sitesDir.resolve("dir.toml"));
        SiteSet set = ConfigLoader.loadSites(hostel);
        assertEquals(List.of("a", "b", "c"), names(set));
        assertFalse(set.hasErrors(), set.errors().toString());
        assertEquals("b", set.defaultSite().orElseThrow().name());
        assertEquals(sitesDir.resolve("a.toml"), set.site("a").orElseThrow().sourceFile());
        assertEquals(
                base.resolve("sites/a"),
                set.site("a").orElseThrow().root(),
                "relative to the prefix");
    }

    @Test
    void aBrokenFileIsReportedAndSkipped() throws IOException {
        site("a.toml", "[\"a.com\"]", "");
        site("b.toml", "[\"b.com\"]", "memory = \"12X\"\nthreads = 0\n");
        Files.writeString(sitesDir.resolve("c.toml"), "hosts = [\"c.com\"\n");
        site("d.toml", "[\"d.com\"]", "");
        SiteSet set = ConfigLoader.loadSites(hostel);
        assertEquals(List.of("a", "d"), names(set));
        assertEquals(
                List.of(
                        label("b.toml") + ":4: memory: \"12X\" is not a size (use e.g. 128M)",
                        label("b.toml") + ":5: threads: 0 is out of range (1..512)"),
                errors(set).subList(0, 2));
        assertEquals(3, set.errors().size(), errors(set).toString());
        assertTrue(
                errors(set)
                        .get(2)
                        .startsWith(label("c.toml") + ":2: syntax: Unexpected end of input"),
                errors(set).toString());
    }

    @Test
    void aHostClaimedTwiceIsAnErrorOnTheLaterFile() throws IOException {
        site("a.toml", "[\"a.com\", \"*.a.com\"]", "");
        site("b.toml", "[\"b.com\", \"*.A.com\"]", "");
        SiteSet set = ConfigLoader.loadSites(hostel);
        assertEquals(List.of("a"), names(set));
        assertEquals(
                List.of(label("b.toml") + ":1: hosts: \"*.a.com\" is already a host of site \"a\""),
                errors(set));
    }

    @Test
    void twoDefaultsIsAnErrorOnTheLater() throws IOException {
        site("a.toml", "[\"a.com\"]", "default = true\n");
        site("b.toml", "[\"b.com\"]", "\n\ndefault = true\n");
        SiteSet set = ConfigLoader.loadSites(hostel);
        assertEquals(List.of("a"), names(set));
        assertEquals(
                List.of(label("b.toml") + ":6: default: site \"a\" is already the default site"),
                errors(set));
    }

    @Test
    void twoFilesWithTheSameName() throws IOException {
        site("a.toml", "[\"a.com\"]", "");
        site("b.toml", "[\"b.com\"]", "name = \"a\"\n");
        SiteSet set = ConfigLoader.loadSites(hostel);
        assertEquals(List.of("a"), names(set));
        assertEquals(
                List.of(
                        label("b.toml")
                                + ":4: name: the site name \"a\" is already used by "
                                + label("a.toml")),
                errors(set));
    }

    @Test
    void aSiteBiggerThanTheBudgetIsAValidSite() throws IOException {
        // Whether it fits depends on the machine and the other sites: Hostel serves it refused, check warns.
        site("a.toml", "[\"a.com\"]", "memory = \"1G\"\n");
        SiteSet set = ConfigLoader.loadSites(hostel);
        assertEquals(List.of("a"), names(set));
        assertEquals(List.of(), errors(set));
    }

    @Test
    void aBadFileNameIsReported() throws IOException {
        site("My Site.toml", "[\"a.com\"]", "");
        SiteSet set = ConfigLoader.loadSites(hostel);
        assertEquals(List.of(), set.sites());
        assertTrue(
                errors(set)
                        .get(0)
                        .startsWith(
                                label("My Site.toml")
                                        + ": name: \"My Site\" (from the file name)"),
                errors(set).toString());
    }

    @Test
    void missingSitesDirIsNoSites() throws IOException {
        Files.delete(sitesDir);
        SiteSet set = ConfigLoader.loadSites(hostel);
        assertEquals(List.of(), set.sites());
        assertFalse(set.hasErrors());
    }

    @Test
    void conflictsOfACandidate() throws IOException {
        site("a.toml", "[\"a.com\"]", "default = true\n");
        site("b.toml", "[\"b.com\"]", "");
        SiteSet set = ConfigLoader.loadSites(hostel);
        SiteConfig replacingA =
                ConfigLoader.parseSite(
                        "a",
                        "hosts = [\"a.com\", \"b.com\"]\napp = \"x:y\"\n"
                                + "root = \"sites/b\"\ndefault = true\n",
                        null,
                        base);
        assertEquals(
                List.of("a.toml: hosts: \"b.com\" is already a host of site \"b\""),
                set.conflicts(replacingA, "a.toml").stream().map(ConfigError::toString).toList());
        SiteConfig newC =
                ConfigLoader.parseSite(
                        "c",
                        "hosts = [\"c.com\"]\napp = \"x:y\"\nroot = \"sites/b\"\n"
                                + "default = true\n",
                        null,
                        base);
        assertEquals(
                List.of("c.toml: default: site \"a\" is already the default site"),
                set.conflicts(newC, "c.toml").stream().map(ConfigError::toString).toList());
    }
}
