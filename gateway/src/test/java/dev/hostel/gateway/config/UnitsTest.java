package dev.hostel.gateway.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.time.Duration;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

class UnitsTest {

    @ParameterizedTest
    @CsvSource({
        "0, 0",
        "1048576, 1048576",
        "64K, 65536",
        "64k, 65536",
        "128M, 134217728",
        "128m, 134217728",
        "128MB, 134217728",
        "128MiB, 134217728",
        "128mib, 134217728",
        "1G, 1073741824",
        "2T, 2199023255552",
        "512B, 512",
        "' 10M ', 10485760",
        "10 M, 10485760",
    })
    void parsesSizes(String text, long bytes) {
        assertEquals(bytes, Units.parseSize(text));
    }

    @ParameterizedTest
    @ValueSource(
            strings = {
                "",
                "12X",
                "1.5G",
                "-1M",
                "M",
                "128 MBs",
                "0x10",
                "128iB",
                "1e6",
                "99999999999T"
            })
    void rejectsSizes(String text) {
        IllegalArgumentException e =
                assertThrows(IllegalArgumentException.class, () -> Units.parseSize(text));
        assertEquals(true, e.getMessage().startsWith(Units.quote(text)), e.getMessage());
    }

    @ParameterizedTest
    @CsvSource({
        "0, 0",
        "1, 1",
        "1023, 1023",
        "1024, 1K",
        "1536, 1536",
        "134217728, 128M",
        "1073741824, 1G",
        "3221225472, 3G",
        "1099511627776, 1T",
        "10485761, 10485761"
    })
    void formatsSizes(long bytes, String text) {
        assertEquals(text, Units.formatSize(bytes));
        assertEquals(bytes, Units.parseSize(text));
    }

    @ParameterizedTest
    @CsvSource({
        "0, PT0S",
        "500ms, PT0.5S",
        "30s, PT30S",
        "30, PT30S",
        "10m, PT10M",
        "2h, PT2H",
        "1d, PT24H",
        "30S, PT30S",
        "' 5s ', PT5S",
        "0s, PT0S"
    })
    void parsesDurations(String text, Duration expected) {
        assertEquals(expected, Units.parseDuration(text));
    }

    @ParameterizedTest
    @ValueSource(
            strings = {"", "s", "1.5s", "-1s", "10 minutes", "1w", "PT30S", "99999999999999999999"})
    void rejectsDurations(String text) {
        assertThrows(IllegalArgumentException.class, () -> Units.parseDuration(text));
    }

    @ParameterizedTest
    @CsvSource({
        "PT0S, 0",
        "PT0.5S, 500ms",
        "PT1.5S, 1500ms",
        "PT30S, 30s",
        "PT90S, 90s",
        "PT10M, 10m",
        "PT2H, 2h",
        "PT48H, 2d"
    })
    void formatsDurations(Duration d, String text) {
        assertEquals(text, Units.formatDuration(d));
        assertEquals(d, Units.parseDuration(text));
    }

    @org.junit.jupiter.api.Test
    void quotesControlCharacters() {
        assertEquals("\"a\\\"b\\\\c\\n\\u0001\"", Units.quote("a\"b\\c\n\u0001"));
    }
}
