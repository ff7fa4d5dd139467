package dev.hostel.gateway.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.stream.Collectors;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

class SiteConfigTest {

    static final String MINIMAL =
            """
            hosts = ["blog.example.com"]
            app = "blog.wsgi:application"
            root = "sites/blog"
            """;

    static final String FULL =
            """
            name = "my-blog"
            hosts = ["Blog.Example.com", "*.blog.example.com", "www.example.com."]
            app = "blog.wsgi:application"
            root = "sites/blog"
            python_path = ["lib", "../shared"]
            default = true
            memory = "256M"
            processes = 2
            threads = 16
            idle_timeout = "10m"
            request_timeout = "30s"
            start_timeout = "3m"
            max_requests = 1000
            max_body = "1G"
            env = { DJANGO_SETTINGS_MODULE = "blog.settings", DEBUG = "0" }
            static = { "/static/" = "static", "/static/img/" = "media", "/favicon/" = "." }
            """;

    @TempDir Path prefix;

    Path root;

    @BeforeEach
    void makeSite() throws IOException {
        root = Files.createDirectories(prefix.resolve("sites/blog"));
        Files.createDirectories(root.resolve("static"));
        Files.createDirectories(root.resolve("media"));
        Files.writeString(root.resolve("a-file"), "");
    }

    SiteConfig parse(String toml) {
        return ConfigLoader.parseSite("blog", toml, null, prefix);
    }

    List<ConfigError> errors(String toml) {
        return assertThrows(ConfigException.class, () -> parse(toml)).errors();
    }

    /**
     * The errors of {@code MINIMAL} plus {@code extra} (on line 4 and on), each as "line: key:
     * message".
     */
    List<String> errorsWith(String extra) {
        return errors(MINIMAL + extra).stream()
                .map(e -> e.line() + ": " + e.key() + ": " + e.message())
                .toList();
    }

    @Test
    void minimalSiteHasTheDefaults() {
        SiteConfig s = parse(MINIMAL);
        assertEquals("blog", s.name());
        assertNull(s.sourceFile());
        assertEquals(List.of("blog.example.com"), s.hosts());
        assertEquals("blog.wsgi:application", s.app());
        assertEquals(root, s.root());
        assertEquals(List.of(), s.pythonPath());
        assertFalse(s.isDefault());
        assertEquals(128L << 20, s.memory());
        assertEquals(128L << 20, s.memoryReserve(), "the reservation is the ceiling unless set");
        assertEquals(1, s.processes());
        assertEquals(8, s.threads());
        assertEquals(Duration.ZERO, s.idleTimeout());
        assertEquals(Duration.ofSeconds(60), s.requestTimeout());
        assertEquals(Duration.ofSeconds(120), s.startTimeout());
        assertEquals(0, s.maxRequests());
        assertEquals(10L << 20, s.maxBody());
        assertEquals(Map.of(), s.env());
        assertEquals(Map.of(), s.staticAliases());
    }

    @Test
    void everyKey() {
        SiteConfig s = parse(FULL);
        assertEquals("my-blog", s.name());
        assertEquals(
                List.of("blog.example.com", "*.blog.example.com", "www.example.com"), s.hosts());
        assertEquals(List.of(root.resolve("lib"), prefix.resolve("sites/shared")), s.pythonPath());
        assertTrue(s.isDefault());
        assertEquals(256L << 20, s.memory());
        assertEquals(2, s.processes());
        assertEquals(16, s.threads());
        assertEquals(Duration.ofMinutes(10), s.idleTimeout());
        assertEquals(Duration.ofSeconds(30), s.requestTimeout());
        assertEquals(Duration.ofMinutes(3), s.startTimeout());
        assertEquals(1000, s.maxRequests());
        assertEquals(1L << 30, s.maxBody());
        assertEquals(Map.of("DJANGO_SETTINGS_MODULE", "blog.settings", "DEBUG", "0"), s.env());
        assertEquals(
                List.of("/static/img/", "/favicon/", "/static/"),
                List.copyOf(s.staticAliases().keySet()),
                "longest prefix first");
        assertEquals(root.resolve("media"), s.staticAliases().get("/static/img/"));
        assertEquals(root, s.staticAliases().get("/favicon/"));
    }

    @Test
    void numbersAreAcceptedForSizesAndDurations() {
        SiteConfig s =
                parse(
                        MINIMAL
                                + "memory = 134217728\n"
                                + "max_body = 0\n"
                                + "idle_timeout = 600\n"
                                + "request_timeout = 5\n");
        assertEquals(128L << 20, s.memory());
        assertEquals(0, s.maxBody());
        assertEquals(Duration.ofMinutes(10), s.idleTimeout());
        assertEquals(Duration.ofSeconds(5), s.requestTimeout());
    }

    @Test
    void pathsResolve() {
        SiteConfig abs =
                parse(
                        """
                        hosts = ["a.com"]
                        app = "a:app"
                        root = "%s"
                        python_path = ["%s"]
                        """
                                .formatted(root, prefix));
        assertEquals(root, abs.root());
        assertEquals(List.of(prefix), abs.pythonPath());
        assertEquals(root, parse(MINIMAL.replace("sites/blog", "./sites/../sites/blog/")).root());
    }

    @Test
    void errorIsFormattedFileLineKeyMessage() {
        ConfigException e =
                assertThrows(
                        ConfigException.class,
                        () ->
                                ConfigLoader.parseSite(
                                        "blog",
                                        MINIMAL + "memory = \"12X\"\n",
                                        Path.of("conf/sites.d/blog.toml"),
                                        prefix));
        assertEquals(
                List.of("conf/sites.d/blog.toml:4: memory: \"12X\" is not a size (use e.g. 128M)"),
                e.errors().stream().map(ConfigError::toString).toList());
        assertEquals(
                "conf/sites.d/blog.toml:4: memory: \"12X\" is not a size (use e.g. 128M)",
                e.getMessage());
    }

    @Test
    void apiTextIsNamedAfterTheSite() {
        ConfigError e = errors(MINIMAL + "threads = 0\n").get(0);
        assertEquals("blog.toml:4: threads: 0 is out of range (1..512)", e.toString());
    }

    @Test
    void syntaxErrorsCarryTheLine() {
        List<ConfigError> e = errors("hosts = [\"a.com\"]\napp = \n");
        assertEquals(1, e.size());
        assertEquals(2, e.get(0).line());
        assertEquals("syntax", e.get(0).key());
        assertTrue(
                e.get(0).toString().startsWith("blog.toml:2: syntax: Unexpected end of line"),
                e.get(0).toString());
        assertEquals(
                3, errors(MINIMAL.replace("root", "app")).get(0).line(), "a key defined twice");
    }

    @Test
    void collectsEveryError() {
        List<String> e =
                errorsWith(
                        """
                        memory = "12X"
                        threads = "8"
                        procesess = 2
                        """);
        assertEquals(
                List.of(
                        "4: memory: \"12X\" is not a size (use e.g. 128M)",
                        "5: threads: expected an integer, found a string (\"8\")",
                        "6: procesess: unknown key (did you mean processes?)"),
                e);
    }

    @Test
    void requiredKeys() {
        List<String> e = errors("").stream().map(ConfigError::toString).toList();
        assertEquals(
                List.of(
                        "blog.toml: hosts: is required (e.g. hosts = [\"blog.example.com\"])",
                        "blog.toml: app: is required (e.g. app = \"blog.wsgi:application\")"),
                e);
    }

    @ParameterizedTest
    @CsvSource(
            delimiter = '|',
            quoteCharacter = '`',
            value = {
                // key = value                      | expected "key: message", on line 4
                "name = \"Blog\"                    | name: \"Blog\" is not a valid site name (use"
                    + " a-z, 0-9, '_', '.', '-', starting with a letter or digit, at most 64"
                    + " characters)",
                "name = \"-blog\"                   | name: \"-blog\" is not a valid site name",
                "name = 7                           | name: expected a string, found an integer"
                    + " (7)",
                "python_path = \"lib\"              | python_path: expected an array of strings,"
                    + " found a string (\"lib\")",
                "python_path = [1]                  | python_path: expected an array of strings,"
                    + " found an integer (1) in it",
                "python_path = [\"\"]               | python_path: an empty path",
                "default = \"yes\"                  | default: expected a boolean (true or false),"
                    + " found a string (\"yes\")",
                "memory = \"12X\"                   | memory: \"12X\" is not a size (use e.g."
                    + " 128M)",
                "memory = \"1.5G\"                  | memory: \"1.5G\" is not a size (use e.g."
                    + " 128M)",
                "memory = \"32M\"                   | memory: 32M is below the minimum of 48M (a"
                    + " JVM running Jython needs at least that)",
                "memory = true                      | memory: expected a size such as \"128M\","
                    + " found a boolean (true)",
                "memory = 1.5                       | memory: expected a size such as \"128M\","
                    + " found a float (1.5)",
                "memory_reserve = \"200M\"          | memory_reserve: 200M is above the ceiling,"
                    + " memory = \"128M\" (a runner can never use more than its ceiling)",
                "memory_reserve = \"8M\"            | memory_reserve: 8M is below the minimum of 16M",
                "processes = 0                      | processes: 0 is out of range (1..64)",
                "processes = 65                     | processes: 65 is out of range (1..64)",
                "processes = 2.0                    | processes: expected an integer, found a float"
                    + " (2.0)",
                "threads = 513                      | threads: 513 is out of range (1..512)",
                "threads = \"8\"                    | threads: expected an integer, found a string"
                    + " (\"8\")",
                "idle_timeout = \"10 minutes\"      | idle_timeout: \"10 minutes\" is not a"
                    + " duration (use e.g. 30s, 500ms, 10m, 2h)",
                "idle_timeout = -5                  | idle_timeout: -5 is negative",
                "request_timeout = \"0\"            | request_timeout: must be more than 0",
                "request_timeout = 0                | request_timeout: must be more than 0",
                "start_timeout = \"0\"              | start_timeout: must be more than 0",
                "start_timeout = \"soon\"           | start_timeout: \"soon\" is not a duration",
                "request_timeout = 1979-05-27       | request_timeout: expected a duration such as"
                    + " \"30s\", found a date/time (1979-05-27)",
                "max_requests = -1                  | max_requests: -1 is less than 0",
                "max_body = \"ten\"                 | max_body: \"ten\" is not a size (use e.g."
                    + " 128M)",
                "env = [\"A=b\"]                    | env: expected a table, found an array",
                "env = { A = 1 }                    | env.A: expected a string, found an integer"
                    + " (1)",
                "env = { \"1A\" = \"x\" }           | env.1A: not a valid environment variable name"
                    + " (letters, digits, '_', not starting with a digit)",
                "env = { \"A-B\" = \"x\" }          | env.A-B: not a valid environment variable"
                    + " name",
                "static = { static = \"static\" }   | static.static: a URL prefix starts and ends"
                    + " with '/', e.g. \"/static/\"",
                "static = { \"/static\" = \"static\" } | static.\"/static\": a URL prefix starts"
                    + " and ends with '/'",
                "static = { \"/a//b/\" = \"static\" } | static.\"/a//b/\": not a clean URL path",
                "static = { \"/a/../\" = \"static\" } | static.\"/a/../\": not a clean URL path",
                "static = { \"/s/\" = \"nope\" }    | static.\"/s/\": %ROOT%/nope does not exist",
                "static = { \"/s/\" = \"a-file\" }  | static.\"/s/\": %ROOT%/a-file is not a"
                    + " directory",
                "static = { \"/s/\" = 1 }           | static.\"/s/\": expected a string, found an"
                    + " integer (1)",
                "static = \"/static/\"              | static: expected a table, found a string"
                    + " (\"/static/\")",
                "hosts2 = []                        | hosts2: unknown key (did you mean hosts?)",
                "Memory = \"128M\"                  | Memory: unknown key (did you mean memory?)",
                "idle-timeout = \"1m\"              | idle-timeout: unknown key (did you mean"
                    + " idle_timeout?)",
                "zzz = 1                            | zzz: unknown key",
                "user = \"no-such-user-x\"          | user: \"no-such-user-x\" is neither a user in"
                    + " /etc/passwd nor a uid",
                "user = \"root\"                    | user: \"root\" is root; a site never runs as root",
                "user = \"0\"                       | user: \"0\" is root; a site never runs as root",
                "user = 1000                        | user: expected a string, found an integer (1000)",
                "group = \"no-such-group-x\"        | group: \"no-such-group-x\" is neither a group in"
                    + " /etc/group nor a gid",
                "group = \"root\"                   | group: \"root\" is root's group; a site never runs"
                    + " in it",
                "[server]                           | server: unknown key",
            })
    void rejectsBadValues(String line, String expected) {
        List<String> e = errorsWith(line + "\n");
        assertEquals(1, e.size(), e.toString());
        String want = "4: " + expected.replace("%ROOT%", root.toString());
        assertTrue(e.get(0).startsWith(want), e.get(0) + "\n  does not start with\n" + want);
    }

    @ParameterizedTest
    @CsvSource(
            delimiter = '|',
            quoteCharacter = '`',
            value = {
                "[]                         | is empty; list at least one host name",
                "\"blog.example.com\"       | expected an array of strings, found a string",
                "[\"a.com\", \"A.com\"]     | \"A.com\" is listed twice",
                "[\"a.com:8080\"]           | \"a.com:8080\": a host has no port",
                "[\"[::1]\"]                | \"[::1]\": IP v6 literals are not supported",
                "[\"*\"]                    | \"*\": \"*\" is not a host; set default = true",
                "[\"a.*.com\"]              | \"a.*.com\": a wildcard is only allowed as the first"
                    + " label",
                "[\"*.*.com\"]              | \"*.*.com\": a wildcard is only allowed as the first"
                    + " label",
                "[\"*example.com\"]         | \"*example.com\": a wildcard is only allowed as the"
                    + " first label",
                "[\"a..com\"]               | \"a..com\": an empty label",
                "[\"\"]                     | \"\": an empty host",
                "[\"a_b.com\"]              | \"a_b.com\": the character '_' is not allowed",
                "[\"-a.com\"]               | \"-a.com\": a label starts or ends with '-'",
                "[\"http://a.com\"]         | \"http://a.com\": a host has no port",
                "[\"a.com/x\"]              | \"a.com/x\": the character '/' is not allowed",
            })
    void rejectsBadHosts(String value, String expected) {
        List<String> e =
                errors("hosts = " + value + "\napp = \"a:app\"\nroot = \"sites/blog\"\n").stream()
                        .map(ConfigError::toString)
                        .toList();
        assertEquals(1, e.size(), e.toString());
        assertTrue(e.get(0).startsWith("blog.toml:1: hosts: " + expected), e.get(0));
    }

    @Test
    void longHostLabel() {
        String label = "a".repeat(64);
        assertTrue(
                errors("hosts = [\"" + label + ".com\"]\napp = \"a:b\"\nroot = \"sites/blog\"")
                        .get(0)
                        .message()
                        .contains("a label longer than 63 characters"));
    }

    @ParameterizedTest
    @ValueSource(
            strings = {
                "blog",
                "blog.wsgi",
                "blog:",
                ":app",
                "blog.wsgi:app()",
                "blog.wsgi:app.x",
                "1blog:app",
                "blog-x:app",
                "blog..wsgi:app",
                "blog.wsgi::app",
                " blog:app"
            })
    void rejectsBadApp(String app) {
        List<ConfigError> e = errors(MINIMAL.replace("blog.wsgi:application", app));
        assertEquals(
                "app: " + Units.quote(app) + " is not module:callable (e.g. blog.wsgi:application)",
                e.get(0).key() + ": " + e.get(0).message());
        assertEquals(2, e.get(0).line());
    }

    @ParameterizedTest
    @ValueSource(strings = {"a:b", "blog.wsgi:application", "_x.y_z.W2:_app", "Blog.Wsgi:App"})
    void acceptsApp(String app) {
        assertEquals(app, parse(MINIMAL.replace("blog.wsgi:application", app)).app());
    }

    @Test
    void rootMustBeAnExistingDirectory() {
        assertEquals(
                prefix.resolve("sites/nope") + " does not exist",
                errors(MINIMAL.replace("sites/blog", "sites/nope")).get(0).message());
        assertEquals(
                root.resolve("a-file") + " is not a directory",
                errors(MINIMAL.replace("sites/blog", "sites/blog/a-file")).get(0).message());
        assertEquals("an empty path", errors(MINIMAL.replace("sites/blog", "")).get(0).message());
    }

    @ParameterizedTest
    @ValueSource(
            strings = {
                "blog",
                "b",
                "0",
                "my-blog.v2_x",
                "a23456789012345678901234567890123456789012345678901234567890abcd"
            })
    void acceptsNames(String name) {
        assertEquals(name, ConfigLoader.parseSite(name, MINIMAL, null, prefix).name());
    }

    @ParameterizedTest
    @ValueSource(
            strings = {
                "Blog",
                ".blog",
                "_blog",
                "my blog",
                "blög",
                "a23456789012345678901234567890123456789012345678901234567890abcde"
            })
    void fileNameMustBeAValidNameUnlessNameIsSet(String fileName) {
        ConfigException e =
                assertThrows(
                        ConfigException.class,
                        () -> ConfigLoader.parseSite(fileName, MINIMAL, null, prefix));
        assertTrue(
                e.errors()
                        .get(0)
                        .toString()
                        .contains(
                                "name: "
                                        + Units.quote(fileName)
                                        + " (from the file name) is not a valid site name"),
                e.getMessage());
        assertTrue(e.getMessage().endsWith("rename the file or set name"), e.getMessage());
        assertEquals(
                "blog",
                ConfigLoader.parseSite(fileName, "name = \"blog\"\n" + MINIMAL, null, prefix)
                        .name());
    }

    @Test
    void sourceFileIsKept() {
        Path file = prefix.resolve("conf/sites.d/blog.toml");
        assertEquals(file, ConfigLoader.parseSite("blog", MINIMAL, file, prefix).sourceFile());
    }

    @Test
    void recordIsImmutable() {
        SiteConfig s = parse(FULL);
        assertThrows(UnsupportedOperationException.class, () -> s.hosts().add("x.com"));
        assertThrows(UnsupportedOperationException.class, () -> s.env().put("A", "b"));
        assertThrows(UnsupportedOperationException.class, () -> s.staticAliases().clear());
        assertThrows(UnsupportedOperationException.class, () -> s.pythonPath().clear());
    }

    // JSON: the same keys through the same validation.

    @Test
    void jsonGivesTheSameSite() {
        String json =
                """
                {
                  "name": "my-blog",
                  "hosts": ["Blog.Example.com", "*.blog.example.com", "www.example.com."],
                  "app": "blog.wsgi:application",
                  "root": "sites/blog",
                  "python_path": ["lib", "../shared"],
                  "default": true,
                  "memory": "256M",
                  "processes": 2,
                  "threads": 16,
                  "idle_timeout": "10m",
                  "request_timeout": "30s",
                  "start_timeout": "3m",
                  "max_requests": 1000,
                  "max_body": 1073741824,
                  "env": {"DJANGO_SETTINGS_MODULE": "blog.settings", "DEBUG": "0"},
                  "static": {"/static/": "static", "/static/img/": "media", "/favicon/": "."}
                }
                """;
        assertEquals(parse(FULL), ConfigLoader.parseSiteJson("blog", json, prefix));
    }

    @Test
    void jsonErrorsCarryJacksonsLine() {
        String json =
                """
                {
                  "hosts": ["blog.example.com"],
                  "app": "blog.wsgi:application",
                  "root": "sites/blog",
                  "memory": "12X",
                  "threads": null,
                  "static": {
                    "static": "static"
                  },
                  "colour": "blue"
                }
                """;
        ConfigException e =
                assertThrows(
                        ConfigException.class,
                        () -> ConfigLoader.parseSiteJson("blog", json, prefix));
        assertEquals(
                List.of(
                        "blog.json:5: memory: \"12X\" is not a size (use e.g. 128M)",
                        "blog.json:6: threads: expected an integer, found null",
                        "blog.json:8: static.static: a URL prefix starts and ends with '/', e.g."
                            + " \"/static/\"",
                        "blog.json:10: colour: unknown key"),
                e.errors().stream().map(ConfigError::toString).toList());
    }

    @ParameterizedTest
    @CsvSource(
            delimiter = '|',
            quoteCharacter = '`',
            value = {
                "{\\n\"hosts\": [\"a.com\"],\\n\"app\": }               | 3",
                "[\"a.com\"]                                            | 1",
                "{\"hosts\": [\"a.com\"]} {}                            | 1",
                "{\"hosts\": [\"a.com\"],\\n \"hosts\": [\"b.com\"]}   | 2",
                "`   `                                                  | 1",
            })
    void jsonSyntaxErrors(String jsonWithMarkers, int line) {
        String json = jsonWithMarkers.replace("\\n", "\n");
        ConfigException e =
                assertThrows(
                        ConfigException.class,
                        () -> ConfigLoader.parseSiteJson("blog", json, prefix));
        assertEquals(1, e.errors().size(), e.getMessage());
        assertEquals("syntax", e.errors().get(0).key());
        assertEquals(line, e.errors().get(0).line(), e.getMessage());
    }

    @Test
    void jsonHugeIntegerIsAWrongType() {
        String json =
                "{\"hosts\": [\"a.com\"], \"app\": \"a:b\", \"root\": \"sites/blog\","
                    + " \"max_requests\": 1"
                        + "0".repeat(30)
                        + "}";
        ConfigException e =
                assertThrows(
                        ConfigException.class,
                        () -> ConfigLoader.parseSiteJson("blog", json, prefix));
        assertTrue(
                e.getMessage()
                        .contains(
                                "max_requests: expected an integer, found an integer too large for"
                                    + " 64 bits (1000000000000000000000000000000)"),
                e.getMessage());
    }

    // Round trip, like Caffeine's CaffeineSpecTest: parse -> print -> parse gives an equal record.

    @Test
    void roundTripsTheFullSite() {
        SiteConfig s = parse(FULL);
        String printed = s.toToml(prefix);
        assertTrue(printed.contains("root = \"sites/blog\"\n"), printed);
        assertTrue(
                printed.contains(
                        "python_path = [\"lib\", \"" + prefix.resolve("sites/shared") + "\"]"),
                printed);
        assertTrue(printed.contains("\"/favicon/\" = \".\""), printed);
        assertEquals(s, parse(printed));
        assertEquals(s, parse(s.toToml()), "absolute paths");
        assertEquals(printed, parse(printed).toToml(prefix), "printing is stable");
    }

    @Test
    void roundTripsTheMinimalSiteWithoutDefaults() {
        SiteConfig s = parse(MINIMAL);
        assertEquals("name = \"blog\"\n" + MINIMAL, s.toToml(prefix));
        assertEquals(s, parse(s.toToml(prefix)));
    }

    @Test
    void roundTripsEscapes() {
        SiteConfig s =
                parse(
                        MINIMAL
                                + "env = { Q = \"a \\\"quoted\\\" \\\\ value\\n\\u00e9\\t\" }\n"
                                + "static = { \"/we'ird/\" = \"static\" }\n");
        assertEquals("a \"quoted\" \\ value\n\u00e9\t", s.env().get("Q"));
        assertEquals(s, parse(s.toToml(prefix)));
    }

    @Test
    void userAndGroupAreKeptAsWritten() {
        SiteConfig s = parse(MINIMAL + "user = \"nobody\"\ngroup = \"65534\"\n");
        assertEquals("nobody", s.user());
        assertEquals("65534", s.group());
        assertNull(parse(MINIMAL).user(), "not set: Hostel picks a user");
        assertEquals(s, parse(s.toToml(prefix)));
        assertEquals(
                new SystemUsers.Account("nobody", 65534, 65534, "/nonexistent"),
                SystemUsers.user("nobody").orElseThrow());
        assertEquals(
                new SystemUsers.Account("4321", 4321, 4321, "/"),
                SystemUsers.user("4321").orElseThrow(),
                "a uid without an entry is a user all the same");
    }

    @Test
    void roundTripsRandomSubsetsInRandomOrder() {
        List<String> optional =
                List.of(
                        "python_path = [\"lib\"]",
                        "default = true",
                        "memory = \"64M\"",
                        "memory = 100000000",
                        "memory_reserve = \"48M\"",
                        "processes = 3",
                        "threads = 1",
                        "idle_timeout = \"90s\"",
                        "idle_timeout = \"1500ms\"",
                        "request_timeout = \"2h\"",
                        "max_requests = 5",
                        "max_body = \"0\"",
                        "max_body = \"1k\"",
                        "env = { A = \"1\", B_2 = \"\" }",
                        "static = { \"/s/\" = \"static\", \"/\" = \"media\" }",
                        "default = false",
                        "processes = 1",
                        "user = \"nobody\"",
                        "user = \"1234\"",
                        "group = \"nogroup\"");
        Random random = new Random(42);
        for (int i = 0; i < 200; i++) {
            List<String> lines =
                    new ArrayList<>(
                            List.of(
                                    "hosts = [\"a.example.com\", \"*.b.example.com\"]",
                                    "app = \"m.n:app\"",
                                    "root = \"sites/blog\""));
            List<String> keys = new ArrayList<>(optional);
            Collections.shuffle(keys, random);
            keys.stream()
                    .limit(random.nextInt(keys.size()))
                    .filter(
                            k ->
                                    lines.stream()
                                            .noneMatch(
                                                    l -> l.split(" ")[0].equals(k.split(" ")[0])))
                    .forEach(lines::add);
            Collections.shuffle(lines, random);
            String toml = lines.stream().collect(Collectors.joining("\n"));
            SiteConfig s = parse(toml);
            assertEquals(s, parse(s.toToml(prefix)), toml);
            assertEquals(
                    s,
                    ConfigLoader.parseSite("other", s.toToml(prefix), null, prefix),
                    "name is written");
        }
    }

    @ParameterizedTest
    @CsvSource(
            delimiter = '|',
            value = {
                "hosts = [\"other.example.com\"]    | true",
                "default = false                    | true",
                "static = { \"/s/\" = \"static\" }    | true",
                "max_body = \"1M\"                  | true",
                "request_timeout = \"5s\"           | true",
                "start_timeout = \"10s\"            | true",
                "idle_timeout = \"0\"               | true",
                "threads = 4                        | false",
                "memory = \"128M\"                  | false",
                "processes = 1                      | false",
                "max_requests = 10                  | false",
                "env = { A = \"b\" }                | false",
                "python_path = [\"lib\"]            | false",
                "app = \"blog.other:application\"   | false",
            })
    void onlyKeysTheRunnersReadNeedNewRunners(String change, boolean sameRunners) {
        String key = change.substring(0, change.indexOf('=')).strip();
        String full = FULL.lines()
                .filter(l -> !l.startsWith(key + " ") && !l.startsWith(key + "="))
                .collect(Collectors.joining("\n")) + "\n" + change + "\n";
        SiteConfig before = parse(FULL);
        SiteConfig after = parse(full);
        assertFalse(before.equals(after), change + " changes nothing");
        assertEquals(sameRunners, before.sameRunnersAs(after), change);
    }
}
