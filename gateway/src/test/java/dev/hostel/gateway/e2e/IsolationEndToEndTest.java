package dev.hostel.gateway.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.hostel.gateway.config.SystemUsers;
import dev.hostel.gateway.supervisor.MemoryCgroups;
import dev.hostel.gateway.supervisor.RunnerProcess;
import dev.hostel.gateway.supervisor.SiteUsers;

import java.io.IOException;
import java.net.URLEncoder;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Sites are strangers (issue 10): a hostile app tries, from inside its runner, every way into Hostel or its
 * neighbour, and each must be refused. Hostel runs as root, as on a PaaS instance; the hostile site gets a dynamic
 * uid, its neighbour {@code victim} a user created for the test ({@code user = "hostel-e2e-victim"}), whose root
 * holds a secret file and whose {@code env} a secret. Skipped, with a message, unless the tests run as root.
 */
class IsolationEndToEndTest {
    private static final String VICTIM_USER = "hostel-e2e-victim";
    private static final ObjectMapper JSON = new ObjectMapper();
    /** What a runner's environment may hold besides its site's env (README, "Security: sites are strangers"). */
    private static final Set<String> BASE_ENVIRONMENT = Set.of("PATH", "LANG", "TZ", "HOME", "USER", "LOGNAME",
            "MALLOC_ARENA_MAX", "PWD");
    private static TestHostel hostel;
    private static Path victimRoot;

    @BeforeAll
    static void start() throws Exception {
        assumeTrue(isRoot(), "skipped: isolation between sites needs Hostel to run as root; run the tests as root");
        run("userdel", VICTIM_USER); // a leftover of an interrupted run
        assertEquals(0, run("useradd", "--system", "--no-create-home", "--shell", "/usr/sbin/nologin", VICTIM_USER));
        SystemUsers.Account victim = SystemUsers.user(VICTIM_USER).orElseThrow();
        // As the README asks of a site's files: owned by the site's user, closed to everyone else.
        victimRoot = Files.createTempDirectory(Path.of("/tmp"), "hostel-victim-");
        Files.copy(TestHostel.TEST_SITES.resolve("victim/victim.py"), victimRoot.resolve("victim.py"));
        Files.writeString(victimRoot.resolve("secret.txt"), "the victim's secret\n");
        for (Path p : List.of(victimRoot, victimRoot.resolve("victim.py"), victimRoot.resolve("secret.txt"))) {
            Files.setAttribute(p, "unix:uid", victim.uid());
            Files.setAttribute(p, "unix:gid", victim.gid());
            Files.setPosixFilePermissions(p, PosixFilePermissions.fromString(Files.isDirectory(p) ? "rwx------"
                    : "rw-------"));
        }
        hostel = TestHostel.start(dir -> {
            TestHostel.site(dir, "hostile", "hostile.test", "hostile:application",
                    TestHostel.TEST_SITES.resolve("hostile"), "env = { HOSTILE = \"1\" }");
            TestHostel.site(dir, "victim", "victim.test", "victim:application", victimRoot,
                    "user = \"" + VICTIM_USER + "\"\nenv = { DB_PASSWORD = \"hunter2\" }");
        });
        for (String host : List.of("hostile.test", "victim.test")) {
            // The first request waits for the runner (up to Hostel's start timeout); retry past a slow machine.
            HttpResponse<String> r = null;
            for (int i = 0; i < 4 && (r == null || r.statusCode() != 200); i++) {
                r = hostel.get(host, "/remote");
            }
            assertEquals(200, r.statusCode(), host + ": " + r.body());
        }
    }

    @AfterAll
    static void stop() throws Exception {
        if (hostel != null) {
            hostel.stop();
        }
        if (isRoot()) {
            run("userdel", VICTIM_USER);
        }
        if (victimRoot != null) {
            for (String f : List.of("victim.py", "victim$py.class", "secret.txt")) {
                Files.deleteIfExists(victimRoot.resolve(f));
            }
            Files.deleteIfExists(victimRoot);
        }
    }

    @Test
    void everyAttackOfTheHostileSiteIsRefused() throws Exception {
        RunnerProcess victim = runner("victim");
        Path jar = Files.list(TestHostel.HOME.resolve("site-runner/target"))
                .filter(p -> p.getFileName().toString().endsWith(".jar")).findFirst().orElseThrow();
        Map<String, String> where = new LinkedHashMap<>();
        where.put("admin", hostel.hostel.config().adminSocket().toString());
        where.put("sitesd", hostel.hostel.config().sitesDir().toString());
        where.put("run", hostel.hostel.config().adminSocket().getParent().toString());
        where.put("jar", jar.toString());
        where.put("victim_pid", Long.toString(victim.pid()));
        where.put("victim_socket", victim.socket().toString());
        where.put("victim_file", victimRoot.resolve("secret.txt").toString());
        where.put("victim_log", hostel.dir.resolve("logs/victim.log").toString());
        JsonNode report = attack(where);

        List<String> succeeded = new ArrayList<>();
        List<String> failedOtherwise = new ArrayList<>();
        for (Iterator<Map.Entry<String, JsonNode>> it = report.get("attacks").fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> attack = it.next();
            String detail = attack.getValue().get("detail").asText();
            if (attack.getValue().get("succeeded").asBoolean()) {
                succeeded.add(attack.getKey() + " (" + detail + ")");
            } else if (!detail.contains("Permission denied") && !detail.contains("Operation not permitted")
                    && (cgroupsInUse() || !attack.getKey().contains("cgroup") && !attack.getKey().contains("ceiling"))) {
                failedOtherwise.add(attack.getKey() + " (" + detail + ")");
            }
        }
        assertEquals(12, report.get("attacks").size(), report.toPrettyString());
        assertEquals(List.of(), succeeded, "attacks that worked:\n" + report.toPrettyString());
        assertEquals(List.of(), failedOtherwise, "attacks that failed for another reason than a refusal (EACCES,"
                + " EPERM), which proves nothing:\n" + report.toPrettyString());

        assertEquals(200, hostel.get("victim.test", "/remote").statusCode(), "the neighbour is still served");
        assertFalse(Files.exists(hostel.hostel.config().sitesDir().resolve("evil.toml")));
    }

    @Test
    void theHostileSiteRunsAsADynamicUserWithoutGroupsOrCapabilities() throws Exception {
        JsonNode report = attack(Map.of());
        int uid = Integer.parseInt(report.get("uid").asText().split("\\s+")[0]);
        assertTrue(uid >= SiteUsers.DYNAMIC_FIRST && uid <= SiteUsers.DYNAMIC_LAST, report.toPrettyString());
        for (String id : report.get("uid").asText().split("\\s+")) {
            assertEquals(uid, Integer.parseInt(id), "real, effective, saved and file uid alike");
        }
        assertEquals(Integer.toString(uid), report.get("gid").asText().split("\\s+")[0], "the gid of the same number");
        assertEquals("", report.get("groups").asText(), "no supplementary groups");
        assertEquals(0L, Long.parseLong(report.get("cap_eff").asText(), 16), "no effective capabilities");
        assertEquals(0L, Long.parseLong(report.get("cap_prm").asText(), 16), "no permitted capabilities");
        assertEquals(0L, Long.parseLong(report.get("cap_bnd").asText(), 16), "an empty bounding set");
        assertEquals("1", report.get("no_new_privs").asText());
        List<String> leaked = new ArrayList<>();
        report.get("environ").forEach(name -> {
            if (!BASE_ENVIRONMENT.contains(name.asText()) && !name.asText().equals("HOSTILE")) {
                leaked.add(name.asText());
            }
        });
        assertEquals(List.of(), leaked, "only the site's env and the documented set");
    }

    @Test
    void theNeighbourRunsAsItsNamedUserAndTheSocketsAreTheirUsers() throws Exception {
        SystemUsers.Account victim = SystemUsers.user(VICTIM_USER).orElseThrow();
        RunnerProcess runner = runner("victim");
        String status = Files.readString(Path.of("/proc/" + runner.pid() + "/status"));
        assertTrue(status.contains("\nUid:\t" + victim.uid() + "\t"), status);
        Path socketDir = runner.socket().getParent();
        assertEquals(victim.uid(), Files.getAttribute(socketDir, "unix:uid"));
        assertEquals("rwx------", PosixFilePermissions.toString(Files.getPosixFilePermissions(socketDir)));
        assertNotEquals(Files.getAttribute(socketDir, "unix:uid"),
                Files.getAttribute(runner("hostile").socket().getParent(), "unix:uid"));
        assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(
                hostel.dir.resolve("logs/victim.log"))), "a site's log is the operator's alone");
    }

    private static JsonNode attack(Map<String, String> where) throws IOException, InterruptedException {
        StringBuilder query = new StringBuilder();
        where.forEach((k, v) -> query.append(query.length() == 0 ? "?" : "&").append(k).append('=')
                .append(URLEncoder.encode(v, StandardCharsets.UTF_8)));
        HttpResponse<String> response = hostel.get("hostile.test", "/attack" + query);
        assertEquals(200, response.statusCode(), response.body());
        return JSON.readTree(response.body());
    }

    /** Without memory cgroups (an unprivileged container) there are no cgroup files to be refused. */
    private static boolean cgroupsInUse() {
        return hostel.hostel.supervisor().launcher().cgroups().mode() != MemoryCgroups.Mode.NONE;
    }

    private static RunnerProcess runner(String site) {
        return hostel.hostel.sites().get(site).supervisor().runners().get(0);
    }

    private static boolean isRoot() {
        return "root".equals(System.getProperty("user.name"));
    }

    private static int run(String... command) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(command).redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
        assertTrue(p.waitFor(30, TimeUnit.SECONDS), String.join(" ", command));
        return p.exitValue();
    }
}
