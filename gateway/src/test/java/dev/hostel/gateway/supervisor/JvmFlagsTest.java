package dev.hostel.gateway.supervisor;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;

import org.junit.jupiter.api.Test;

/** The formula of {@link JvmFlags}, as the README states it. */
class JvmFlagsTest {
    private static final long MB = 1 << 20;

    @Test
    void theDefaultCeilingOf128M() {
        assertEquals(List.of("-Xms8m", "-Xmx64m", "-Xmn4m", "-XX:MinHeapFreeRatio=10", "-XX:MaxHeapFreeRatio=20",
                "-XX:MaxMetaspaceSize=38m", "-XX:ReservedCodeCacheSize=16m", "-XX:MaxDirectMemorySize=16m",
                "-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC", "-XX:+ExitOnOutOfMemoryError", "-XX:-UsePerfData"),
                JvmFlags.forCeiling(128 * MB));
    }

    @Test
    void smallCeilingsKeepTheFloorsAndLargeOnesGetC2() {
        List<String> small = JvmFlags.forCeiling(48 * MB);
        assertTrue(small.contains("-Xmx32m") && small.contains("-Xmn2m") && small.contains("-XX:MaxMetaspaceSize=32m"),
                small.toString());
        List<String> large = JvmFlags.forCeiling(2048 * MB);
        assertTrue(large.contains("-Xmx1024m") && large.contains("-Xmn32m"), large.toString());
        assertFalse(large.contains("-XX:TieredStopAtLevel=1"));
    }
}
