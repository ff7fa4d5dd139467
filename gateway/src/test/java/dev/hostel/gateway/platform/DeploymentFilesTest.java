package dev.hostel.gateway.platform;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.hostel.gateway.config.ConfigLoader;
import dev.hostel.gateway.config.HostelConfig;
import dev.hostel.gateway.config.ListenAddress;
import dev.hostel.gateway.config.SiteConfig;
import dev.hostel.gateway.e2e.TestHostel;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.snakeyaml.engine.v2.api.Load;
import org.snakeyaml.engine.v2.api.LoadSettings;

/**
 * What cannot run here (an image build, a cluster, systemd as PID 1) is still checked: the Kubernetes manifests
 * hold what a Hostel pod needs, the Containerfile builds what the README says, and the systemd unit verifies.
 */
class DeploymentFilesTest {
    private static final Path DEPLOY = TestHostel.HOME.resolve("deploy");

    @Test
    void eachDeploymentIsABudgetWithProbesADrainAndItsSitesFromAConfigMap() throws Exception {
        List<Path> files = yamlFiles();
        assertFalse(files.isEmpty());
        List<Map<String, Object>> objects = new ArrayList<>();
        for (Path file : files) {
            objects.addAll(load(file));
        }
        List<Map<String, Object>> deployments = ofKind(objects, "Deployment");
        assertEquals(2, deployments.size(), "two Hostel Deployments, split by the Ingress");
        for (Map<String, Object> deployment : deployments) {
            String name = (String) map(deployment, "metadata").get("name");
            Map<String, Object> pod = map(map(deployment, "spec"), "template", "spec");
            Map<String, Object> container = list(pod, "containers").get(0);

            Map<String, Object> resources = map(container, "resources");
            assertEquals(map(resources, "limits").get("memory"), map(resources, "requests").get("memory"),
                    name + ": the memory limit is the budget, and requests = limits");

            int metricsPort = port(container, "metrics");
            assertEquals("/readyz", map(container, "readinessProbe", "httpGet").get("path"), name);
            assertEquals("/livez", map(container, "livenessProbe", "httpGet").get("path"), name);
            assertEquals("metrics", map(container, "readinessProbe", "httpGet").get("port"), name);
            assertTrue(map(container, "lifecycle").containsKey("preStop"), name + ": a preStop drain");
            int grace = ((Number) pod.get("terminationGracePeriodSeconds")).intValue();
            assertTrue(grace >= 5 + 10 + 10, name + ": preStop + drain + runners' stop fit the grace period");

            Map<String, Object> sitesVolume = volumeMountedAt(pod, container, "/etc/hostel/sites.d");
            assertFalse(mountAt(container, "/etc/hostel/sites.d").containsKey("subPath"),
                    name + ": a subPath mount never sees a ConfigMap update");
            Map<String, Object> sites = configMap(objects, (String) map(sitesVolume, "configMap").get("name"));
            Map<String, Object> confVolume = volumeMountedAt(pod, container, "/etc/hostel/hostel.toml");
            Map<String, Object> conf = configMap(objects, (String) map(confVolume, "configMap").get("name"));

            HostelConfig hostel = parseHostelToml((String) map(conf, "data").get("hostel.toml"));
            assertEquals(metricsPort, hostel.metricsListen().map(ListenAddress::port).orElse(-1),
                    name + ": the probes' port is metrics_listen");
            assertEquals(port(container, "http"), hostel.listen().get(0).port(), name);
            for (Map.Entry<String, Object> site : map(sites, "data").entrySet()) {
                SiteConfig parsed = ConfigLoader.parseSite(site.getKey().replace(".toml", ""),
                        (String) site.getValue(), null, TestHostel.HOME);
                assertTrue(parsed.memory() <= parseMemory((String) map(resources, "limits").get("memory")));
            }

            Map<String, Object> service = named(ofKind(objects, "Service"), name);
            assertEquals(map(map(deployment, "spec"), "selector").get("matchLabels"),
                    map(service, "spec").get("selector"), name + ": the Service selects the pods");
        }
        for (Map<String, Object> rule : list(map(ofKind(objects, "Ingress").get(0), "spec"), "rules")) {
            Map<String, Object> backend = map(list(map(rule, "http"), "paths").get(0), "backend", "service");
            Map<String, Object> service = named(ofKind(objects, "Service"), (String) backend.get("name"));
            String portName = (String) map(backend, "port").get("name");
            assertTrue(list(map(service, "spec"), "ports").stream().anyMatch(p -> portName.equals(p.get("name"))),
                    rule.get("host") + " goes to a port its Service has");
        }
    }

    @Test
    void theContainerfileBuildsInStagesRunsHostelAsPid1AndNotAsRoot() throws Exception {
        List<String> lines = Files.readAllLines(TestHostel.HOME.resolve("Containerfile"));
        assertTrue(lines.stream().filter(l -> l.startsWith("FROM ")).count() >= 2, "multi-stage");
        String user = lines.stream().filter(l -> l.startsWith("USER ")).reduce((a, b) -> b).orElse("USER root");
        assertNotEquals("USER root", user);
        assertNotEquals("USER 0", user);
        assertTrue(lines.stream().anyMatch(l -> l.contains("scripts/hostel prepare")), "archives made at build");
        assertTrue(lines.contains("ENTRYPOINT [\"/opt/hostel/scripts/hostel\", \"run\", \"--conf\", \"/etc/hostel\"]"));
        assertTrue(Files.readString(TestHostel.HOME.resolve("scripts/hostel")).contains("exec java"),
                "scripts/hostel execs java, so that Hostel itself is PID 1 and gets SIGTERM");
        for (String line : lines) {
            if (line.startsWith("COPY ") && !line.contains("--from=")) {
                String source = line.split("\\s+")[1];
                assertTrue(Files.exists(TestHostel.HOME.resolve(source)), source + " is in the repository");
            }
        }
        HostelConfig image = parseHostelToml(Files.readString(DEPLOY.resolve("container/hostel.toml")));
        assertEquals(9464, image.metricsListen().orElseThrow().port());
    }

    @Test
    void theSystemdUnitVerifies() throws Exception {
        String unit = Files.readString(DEPLOY.resolve("systemd/hostel.service"));
        assertTrue(unit.contains("\nType=notify\n"));
        assertTrue(unit.contains("\nExecReload=/bin/kill -HUP $MAINPID\n"));
        Path systemdAnalyze = Path.of("/usr/bin/systemd-analyze");
        Assumptions.assumeTrue(Files.isExecutable(systemdAnalyze), "systemd-analyze is not installed here");
        // verify checks that ExecStart's program exists: point it at one that does.
        Path dir = Files.createTempDirectory("unit");
        Path copy = dir.resolve("hostel.service");
        Files.writeString(copy, unit.replace("/opt/hostel/scripts/hostel", "/bin/true"));
        Process verify = new ProcessBuilder(systemdAnalyze.toString(), "verify", copy.toString())
                .redirectErrorStream(true).start();
        String out = new String(verify.getInputStream().readAllBytes());
        assertTrue(verify.waitFor(60, TimeUnit.SECONDS));
        assertEquals(0, verify.exitValue(), out);
        assertEquals("", out.strip(), "systemd-analyze verify has something to say");
        Files.delete(copy);
        Files.delete(dir);
    }

    private static HostelConfig parseHostelToml(String text) throws Exception {
        Path conf = Files.createTempDirectory("conf");
        Files.createDirectories(conf.resolve("sites.d"));
        // The manifests' absolute prefix (/srv) is the image's; here the repository stands in for it.
        Files.writeString(conf.resolve("hostel.toml"), text.replaceAll("(?m)^prefix = .*$",
                "prefix = \"" + TestHostel.HOME + "\""));
        try {
            HostelConfig config = ConfigLoader.loadHostel(conf, 1L << 40);
            assertEquals(1L << 40, config.budget(), "no budget: the limit of the pod's cgroup is");
            return config;
        } finally {
            Files.delete(conf.resolve("hostel.toml"));
            Files.delete(conf.resolve("sites.d"));
            Files.delete(conf);
        }
    }

    private static long parseMemory(String quantity) {
        assertTrue(quantity.endsWith("Mi") || quantity.endsWith("Gi"), quantity);
        long n = Long.parseLong(quantity.substring(0, quantity.length() - 2));
        return quantity.endsWith("Gi") ? n << 30 : n << 20;
    }

    private static List<Path> yamlFiles() throws IOException {
        try (Stream<Path> files = Files.list(DEPLOY.resolve("kubernetes"))) {
            return files.filter(p -> p.toString().endsWith(".yaml")).sorted().toList();
        }
    }

    @SuppressWarnings("unchecked")
    private static List<Map<String, Object>> load(Path file) throws IOException {
        List<Map<String, Object>> objects = new ArrayList<>();
        for (Object o : new Load(LoadSettings.builder().build()).loadAllFromString(Files.readString(file))) {
            if (o != null) {
                objects.add((Map<String, Object>) o);
            }
        }
        return objects;
    }

    private static List<Map<String, Object>> ofKind(List<Map<String, Object>> objects, String kind) {
        return objects.stream().filter(o -> kind.equals(o.get("kind"))).toList();
    }

    private static Map<String, Object> named(List<Map<String, Object>> objects, String name) {
        return objects.stream().filter(o -> name.equals(map(o, "metadata").get("name"))).findFirst()
                .orElseThrow(() -> new AssertionError("no object named " + name));
    }

    private static Map<String, Object> configMap(List<Map<String, Object>> objects, String name) {
        return named(ofKind(objects, "ConfigMap"), name);
    }

    private static Map<String, Object> mountAt(Map<String, Object> container, String path) {
        return list(container, "volumeMounts").stream().filter(m -> path.equals(m.get("mountPath"))).findFirst()
                .orElseThrow(() -> new AssertionError("nothing mounted at " + path));
    }

    private static Map<String, Object> volumeMountedAt(Map<String, Object> pod, Map<String, Object> container,
                                                       String path) {
        Object name = mountAt(container, path).get("name");
        return list(pod, "volumes").stream().filter(v -> name.equals(v.get("name"))).findFirst()
                .orElseThrow(() -> new AssertionError("no volume " + name));
    }

    private static int port(Map<String, Object> container, String name) {
        return list(container, "ports").stream().filter(p -> name.equals(p.get("name")))
                .map(p -> ((Number) p.get("containerPort")).intValue()).findFirst()
                .orElseThrow(() -> new AssertionError("no port named " + name));
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> map(Map<String, Object> o, String... path) {
        Map<String, Object> m = o;
        for (String key : path) {
            m = (Map<String, Object>) m.get(key);
            assertTrue(m != null, "missing " + key);
        }
        return m;
    }

    @SuppressWarnings("unchecked")
    private static List<Map<String, Object>> list(Map<String, Object> o, String key) {
        return (List<Map<String, Object>>) o.get(key);
    }
}
