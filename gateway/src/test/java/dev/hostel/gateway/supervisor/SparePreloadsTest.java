package dev.hostel.gateway.supervisor;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

class SparePreloadsTest {
    private static final long CEILING = 256L << 20;

    @Test
    void theLatestReportComesFirstThenWhatEarlierSitesOfTheCeilingLoaded() {
        SparePreloads preloads = new SparePreloads();
        assertEquals(List.of(), preloads.of(CEILING), "nothing before a runner of the ceiling was ready");
        preloads.record(CEILING, "json,decimal");
        preloads.record(CEILING, "email.utils,json");
        assertEquals(List.of("email.utils", "json", "decimal"), preloads.of(CEILING));
        assertEquals(List.of(), preloads.of(CEILING * 2), "per ceiling");
    }

    @Test
    void onlyDottedNamesAndAtMostTheBound() {
        SparePreloads preloads = new SparePreloads();
        preloads.record(CEILING, "json,../../etc/passwd,/tmp/x,a b,$(id),,os.path");
        assertEquals(List.of("json", "os.path"), preloads.of(CEILING), "a runner runs site code: names only");
        String many = String.join(",", IntStream.range(0, 1000).mapToObj(i -> "m" + i).toList());
        preloads.record(CEILING, many);
        assertEquals(SparePreloads.MAX, preloads.of(CEILING).size());
        assertTrue(preloads.of(CEILING).get(0).equals("m0"));
    }
}
