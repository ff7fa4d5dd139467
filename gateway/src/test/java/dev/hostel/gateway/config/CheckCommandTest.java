package dev.hostel.gateway.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.hostel.gateway.cli.CheckCommand;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/**
 * {@code hostel check}; here because it is the config's front end (and the cli package is not
 * ours).
 */
class CheckCommandTest {

    @TempDir Path base;

    Path conf;
    Path sitesDir;
    final StringWriter out = new StringWriter();
    final StringWriter err = new StringWriter();

    @BeforeEach
    void makeConf() throws IOException {
        conf = Files.createDirectories(base.resolve("conf"));
        sitesDir = Files.createDirectories(conf.resolve("sites.d"));
        Files.createDirectories(base.resolve("sites/a"));
    }

    int check(String dir) {
        CommandLine cmd = new CommandLine(new CheckCommand());
        cmd.setOut(new PrintWriter(out));
        cmd.setErr(new PrintWriter(err));
        return cmd.execute("--conf", dir);
    }

    void site(String name, String host) throws IOException {
        Files.writeString(
                sitesDir.resolve(name + ".toml"),
                "hosts = [\"" + host + "\"]\napp = \"app:application\"\nroot = \"sites/a\"\n");
    }

    @Test
    void allGood() throws IOException {
        Files.writeString(conf.resolve("hostel.toml"), "budget = \"1G\"\n");
        site("a", "a.com");
        site("b", "b.com");
        assertEquals(0, check(conf.toString()));
        assertEquals(conf + "/: hostel.toml ok, 2 sites ok\n", out.toString());
        assertEquals("", err.toString());
    }

    @Test
    void warnsWithoutFailingWhenOtherUsersCanReachASitesFilesOrTheSiteFiles() throws IOException {
        Files.writeString(conf.resolve("hostel.toml"), "");
        site("a", "a.com");
        Path secret = Files.writeString(base.resolve("sites/a/settings.py"), "PASSWORD = 'x'\n");
        Files.setPosixFilePermissions(secret, PosixFilePermissions.fromString("rw-r--r--"));
        assertEquals(0, check(conf.toString()), "warnings are not errors");
        assertTrue(err.toString().contains("warning: site a: 1 file(s) under " + base.resolve("sites/a")
                + " are readable by every user"), err.toString());

        Files.setPosixFilePermissions(secret, PosixFilePermissions.fromString("rw-rw-rw-"));
        Files.setPosixFilePermissions(sitesDir, PosixFilePermissions.fromString("rwxrwxrwx"));
        err.getBuffer().setLength(0);
        assertEquals(0, check(conf.toString()));
        assertTrue(err.toString().contains("are writable by every user, so by other sites' users"), err.toString());
        assertTrue(err.toString().contains("warning: " + sitesDir + " is writable by other users"), err.toString());

        Files.setPosixFilePermissions(secret, PosixFilePermissions.fromString("rw-------"));
        Files.setPosixFilePermissions(sitesDir, PosixFilePermissions.fromString("rwxr-xr-x"));
        err.getBuffer().setLength(0);
        check(conf.toString());
        assertFalse(err.toString().contains("site a"), err.toString());
    }

    @Test
    void noConfigAtAll() {
        assertEquals(0, check(conf + "/"));
        assertEquals(conf + "/: hostel.toml ok, 0 sites ok\n", out.toString());
    }

    @Test
    void brokenSite() throws IOException {
        site("a", "a.com");
        site("b", "a.com");
        Files.writeString(
                sitesDir.resolve("c.toml"),
                "hosts = [\"c.com\"]\napp = \"app:application\"\nroot = \"sites/a\"\n"
                        + "memory = \"12X\"\n");
        assertEquals(1, check(conf.toString()));
        assertEquals(conf + "/: hostel.toml ok, 1 site ok, 2 errors\n", out.toString());
        assertEquals(
                ConfigLoader.display(sitesDir.resolve("b.toml"))
                        + ":1: hosts: \"a.com\" is already a host of site \"a\"\n"
                        + ConfigLoader.display(sitesDir.resolve("c.toml"))
                        + ":4: memory: \"12X\" is not a size (use e.g. 128M)\n",
                err.toString());
    }

    @Test
    void aSiteThatCannotFitTheBudgetIsAnErrorWithTheWordsHostelUses() throws IOException {
        Files.writeString(conf.resolve("hostel.toml"), "budget = \"512M\"\n");
        site("a", "a.com");
        Files.writeString(
                sitesDir.resolve("big.toml"),
                "hosts = [\"big.com\"]\napp = \"app:application\"\nroot = \"sites/a\"\n"
                        + "processes = 2\nmemory = \"256M\"\n");
        assertEquals(1, check(conf.toString()));
        assertEquals(conf + "/: hostel.toml ok, 1 site ok, 1 error\n", out.toString());
        assertEquals(
                ConfigLoader.display(sitesDir.resolve("big.toml"))
                        + ": memory: does not fit the budget: needs 512 MB (2 x 256 MB reserved), the budget holds"
                        + " 480 MB for runners (512 MB less 32 MB for the gateway); Hostel would not start it\n",
                err.toString());
    }

    @Test
    void brokenHostelToml() throws IOException {
        Files.writeString(conf.resolve("hostel.toml"), "budget = \"lots\"\n");
        site("a", "a.com");
        assertEquals(1, check(conf.toString()));
        assertEquals(conf + "/: hostel.toml 1 error, sites not checked\n", out.toString());
        assertEquals(
                ConfigLoader.display(conf.resolve("hostel.toml"))
                        + ":1: budget: \"lots\" is not a size (use e.g. 128M)\n",
                err.toString());
    }

    @Test
    void missingConfDir() {
        assertEquals(1, check(base.resolve("nope").toString()));
        assertEquals(base.resolve("nope") + ": no such directory\n", err.toString());
    }
}
