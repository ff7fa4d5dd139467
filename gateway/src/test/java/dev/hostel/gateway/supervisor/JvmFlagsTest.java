package dev.hostel.gateway.supervisor;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.hostel.gateway.config.Units;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** The formula of {@link JvmFlags}, as the README states it, and flags this JDK takes without a word. */
class JvmFlagsTest {
    private static final long MB = 1 << 20;

    @Test
    void theDefaultCeilingOf128M() {
        assertEquals(List.of("-Xms8m", "-Xmx64m", "-Xmn4m", "-XX:MinHeapFreeRatio=10", "-XX:MaxHeapFreeRatio=20",
                "-XX:-ShrinkHeapInSteps", "-XX:MaxMetaspaceSize=51m", "-XX:ReservedCodeCacheSize=16m",
                "-XX:MaxDirectMemorySize=16m", "-XX:TieredStopAtLevel=1", "-XX:CompileThresholdScaling=10",
                "-XX:TrimNativeHeapInterval=10000", "-XX:+UseSerialGC", "-XX:+ExitOnOutOfMemoryError",
                "-XX:-UsePerfData"),
                JvmFlags.forCeiling(128 * MB));
    }

    @Test
    void smallCeilingsKeepTheFloorsAndLargeOnesGetC2() {
        List<String> small = JvmFlags.forCeiling(48 * MB);
        assertTrue(small.contains("-Xmx32m") && small.contains("-Xmn2m") && small.contains("-XX:MaxMetaspaceSize=32m"),
                small.toString());
        List<String> large = JvmFlags.forCeiling(2048 * MB);
        assertTrue(large.contains("-Xms64m") && large.contains("-Xmx1024m") && large.contains("-Xmn32m"),
                large.toString());
        assertFalse(large.contains("-XX:TieredStopAtLevel=1"));
    }

    /** Issue 9 item 8: at 256M the young generation (8 MB) was as large as the initial heap (8 MB). */
    @Test
    void theYoungGenerationIsSmallerThanTheInitialHeapAtEveryCeiling() {
        for (long ceiling = 16 * MB; ceiling <= 64L * 1024 * MB; ceiling += 16 * MB) {
            assertTrue(JvmFlags.young(ceiling) * 2 <= JvmFlags.initialHeap(ceiling),
                    "-Xmn must leave room for the old generation in -Xms at " + ceiling / MB + " MB: "
                            + JvmFlags.forCeiling(ceiling));
        }
    }

    /** What a site's log would show: the JVM started with a runner's flags says nothing but its version. */
    @ParameterizedTest
    @ValueSource(strings = {"32M", "48M", "64M", "128M", "256M", "512M", "1G", "4G"})
    void theJvmTakesTheFlagsWithoutAWarning(String ceiling) throws Exception {
        List<String> command = new ArrayList<>();
        command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        command.addAll(JvmFlags.forCeiling(Units.parseSize(ceiling)));
        command.add("-version");
        String output = run(command);
        assertTrue(output.contains(" version \""), output);
        assertFalse(output.toLowerCase(Locale.ROOT).contains("warning"), ceiling + ": " + output);
    }

    private static String run(List<String> command) throws IOException, InterruptedException {
        Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
        String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(process.waitFor(60, TimeUnit.SECONDS));
        assertEquals(0, process.exitValue(), output);
        return output;
    }
}
