package dev.hostel.gateway.supervisor;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** Why a runner ended, from what the launcher knows when it has exited. */
class RunnerExitTest {
    @ParameterizedTest(name = "killedAtRss={0} status={1} cgroupOom={2} listened={3} -> {4}")
    @CsvSource({
            "140000000, 137, false, true,  MEMORY",     // killed by the RSS watch
            "-1,        137, true,  true,  MEMORY",     // killed by the kernel in its cgroup
            "-1,        3,   false, true,  MEMORY",     // -XX:+ExitOnOutOfMemoryError while serving
            "-1,        3,   false, false, APP_FAILED", // the runner's old status for an import failure
            "-1,        78,  false, false, APP_FAILED", // EX_CONFIG: the app cannot be imported
            "-1,        0,   false, true,  NORMAL",
            "-1,        143, false, true,  NORMAL",     // SIGTERM: asked to stop
            "-1,        137, false, true,  CRASH",      // kill -9 by someone else
            "-1,        134, false, true,  CRASH",      // SIGABRT: a JVM crash
    })
    void classifies(long killedAtRss, int status, boolean cgroupOom, boolean listened, RunnerExit expected) {
        assertEquals(expected, RunnerLauncher.classify(killedAtRss, status, cgroupOom, listened));
    }
}
