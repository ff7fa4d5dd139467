package dev.hostel.gateway.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class HostelConfigTest {

    @TempDir Path base;

    Path conf;

    @BeforeEach
    void makeConf() throws IOException {
        conf = Files.createDirectories(base.resolve("conf"));
    }

    HostelConfig load(String toml) throws IOException {
        Files.writeString(conf.resolve("hostel.toml"), toml);
        return ConfigLoader.loadHostel(conf);
    }

    List<String> errors(String toml) throws IOException {
        Files.writeString(conf.resolve("hostel.toml"), toml);
        ConfigException e =
                assertThrows(ConfigException.class, () -> ConfigLoader.loadHostel(conf));
        return e.errors().stream()
                .map(x -> x.line() + ": " + x.key() + ": " + x.message())
                .toList();
    }

    @Test
    void absentFileGivesTheDefaults() {
        HostelConfig c = ConfigLoader.loadHostel(conf);
        assertEquals(HostelConfig.defaults(conf), c);
        assertEquals(conf, c.confDir());
        assertEquals(List.of(new ListenAddress("127.0.0.1", 8080)), c.listen());
        assertEquals(base.resolve("run/hostel.sock"), c.adminSocket());
        assertEquals(512L << 20, c.budget());
        assertEquals(base, c.prefix());
        assertEquals(conf.resolve("sites.d"), c.sitesDir());
        assertEquals(Optional.empty(), c.metricsListen());
        assertEquals(base.resolve("logs"), c.logDir());
        assertEquals(conf.resolve("hostel.toml"), c.file());
    }

    @Test
    void emptyFileGivesTheDefaults() throws IOException {
        assertEquals(HostelConfig.defaults(conf), load("# nothing\n"));
    }

    @Test
    void relativeConfDirIsMadeAbsolute() {
        HostelConfig c = ConfigLoader.loadHostel(conf.resolve("../conf"));
        assertEquals(conf, c.confDir());
        assertTrue(c.confDir().isAbsolute());
    }

    @Test
    void everyKey() throws IOException {
        Files.createDirectories(base.resolve("srv/sites"));
        HostelConfig c =
                load(
                        """
                        listen = ["0.0.0.0:80", "[::1]:8080"]
                        admin_socket = "hostel.sock"
                        budget = "2G"
                        prefix = "../srv"
                        sites_dir = "../srv/sites"
                        metrics_listen = "127.0.0.1:9464"
                        log_dir = "/var/log/hostel"
                        proxy_buffer = "32K"
                        proxy_buffers_total = "4M"
                        proxy_temp_file_max = 0
                        proxy_temp_dir = "spool"
                        max_connections = 5000
                        max_connections_per_address = 100
                        """);
        assertEquals(
                List.of(new ListenAddress("0.0.0.0", 80), new ListenAddress("::1", 8080)),
                c.listen());
        assertEquals(base.resolve("srv/hostel.sock"), c.adminSocket(), "relative to the prefix");
        assertEquals(2L << 30, c.budget());
        assertEquals(base.resolve("srv"), c.prefix(), "relative to the conf dir");
        assertEquals(base.resolve("srv/sites"), c.sitesDir(), "relative to the conf dir");
        assertEquals(Optional.of(new ListenAddress("127.0.0.1", 9464)), c.metricsListen());
        assertEquals(Path.of("/var/log/hostel"), c.logDir());
        assertEquals(new ResponseBuffering(32 << 10, 4 << 20, 0, base.resolve("srv/spool")), c.buffering());
        assertEquals(new ConnectionLimits(5000, 100), c.connectionLimits());
    }

    @Test
    void responseBuffersDefaultBesideTheAdminSocket() throws IOException {
        HostelConfig c = load("admin_socket = \"/run/hostel/admin.sock\"\n");
        assertEquals(new ResponseBuffering(64 << 10, 8 << 20, 1L << 30, Path.of("/run/hostel/tmp")), c.buffering());
        assertEquals(ConnectionLimits.DEFAULTS, c.connectionLimits());
    }

    @Test
    void logDirAndAdminSocketFollowThePrefix() throws IOException {
        Files.createDirectories(base.resolve("srv"));
        HostelConfig c = load("prefix = \"" + base.resolve("srv") + "\"\n");
        assertEquals(base.resolve("srv/logs"), c.logDir());
        assertEquals(base.resolve("srv/run/hostel.sock"), c.adminSocket());
        assertEquals(conf.resolve("sites.d"), c.sitesDir(), "still relative to the conf dir");
    }

    @Test
    void emptyMetricsListenIsOff() throws IOException {
        assertEquals(Optional.empty(), load("metrics_listen = \"\"\n").metricsListen());
    }

    @ParameterizedTest
    @CsvSource(
            delimiter = '|',
            quoteCharacter = '`',
            value = {
                "listen = \"127.0.0.1:8080\"            | 1: listen: expected an array of strings,"
                    + " found a string (\"127.0.0.1:8080\")",
                "listen = []                            | 1: listen: is empty; list at least one"
                    + " address",
                "listen = [\"8080\"]                    | 1: listen: \"8080\" is not host:port: the"
                    + " port is missing",
                "listen = [\"a:1\", \"A:1\"]            | 1: listen: a:1 is listed twice",
                "budget = \"lots\"                      | 1: budget: \"lots\" is not a size (use"
                    + " e.g. 128M)",
                "budget = \"16M\"                       | 1: budget: 16M is below the minimum of"
                    + " 48M",
                "prefix = \"nope\"                      | 1: prefix: %BASE%/conf/nope is not a"
                    + " directory",
                "prefix = 1                             | 1: prefix: expected a string, found an"
                    + " integer (1)",
                "sites_dir = \"nope.d\"                 | 1: sites_dir: %BASE%/conf/nope.d is not a"
                    + " directory",
                "metrics_listen = \"127.0.0.1:8080\"    | 1: metrics_listen: 127.0.0.1:8080 is also"
                    + " in listen; use another port",
                "metrics_listen = \"9464\"              | 1: metrics_listen: \"9464\" is not"
                    + " host:port",
                "metrics_listen = false                 | 1: metrics_listen: expected a string,"
                    + " found a boolean (false)",
                "log_dir = \"\"                         | 1: log_dir: an empty path",
                "proxy_buffer = \"lots\"                | 1: proxy_buffer: \"lots\" is not a size (use"
                    + " e.g. 128M)",
                "max_connections = -1                   | 1: max_connections: -1 is out of range"
                    + " (0..2147483647)",
                "listn = []                             | 1: listn: unknown key (did you mean"
                    + " listen?)",
                "[sites]                                | 1: sites: unknown key",
            })
    void rejectsBadValues(String line, String expected) throws IOException {
        List<String> e = errors(line + "\n");
        assertEquals(1, e.size(), e.toString());
        String want = expected.replace("%BASE%", base.toString());
        assertTrue(e.get(0).startsWith(want), e.get(0) + "\n  does not start with\n" + want);
    }

    @Test
    void adminSocketPathLengthIsChecked() throws IOException {
        List<String> e = errors("admin_socket = \"/" + "x".repeat(120) + "\"\n");
        assertTrue(e.get(0).contains("more than a Unix socket allows (107)"), e.toString());
    }

    @Test
    void collectsEveryErrorWithFileAndLine() throws IOException {
        Files.writeString(
                conf.resolve("hostel.toml"),
                """
                listen = ["127.0.0.1:8080"]
                budget = "lots"

                colour = "blue"
                """);
        ConfigException e =
                assertThrows(ConfigException.class, () -> ConfigLoader.loadHostel(conf));
        String file = ConfigLoader.display(conf.resolve("hostel.toml"));
        assertEquals(
                List.of(
                        file + ":2: budget: \"lots\" is not a size (use e.g. 128M)",
                        file + ":4: colour: unknown key"),
                e.errors().stream().map(ConfigError::toString).toList());
    }

    @Test
    void syntaxError() throws IOException {
        List<String> e = errors("listen = [\"127.0.0.1:8080\"]\nbudget = 512M\n");
        assertEquals(1, e.size(), e.toString());
        assertTrue(e.get(0).startsWith("2: syntax: "), e.toString());
    }

    @Test
    void missingConfDirIsAnError() {
        ConfigException e =
                assertThrows(
                        ConfigException.class, () -> ConfigLoader.loadHostel(base.resolve("nope")));
        assertEquals(base.resolve("nope") + ": no such directory", e.getMessage());
    }
}
