package dev.hostel.gateway.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;

import java.util.List;
import java.util.stream.Collectors;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * {@link ByteRange#parse}: single and several ranges, suffixes, clipping, coalescing, what is ignored and what is
 * unsatisfiable (416).
 */
class ByteRangeTest {
    @ParameterizedTest(name = "{0} of {1}")
    @CsvSource(delimiter = '|', quoteCharacter = '`', value = {
            // Range header       | length | expected: first-last, IGNORE (send it all) or 416
            "bytes=0-3            | 12     | 0-3",
            "bytes=0-0            | 12     | 0-0",
            "bytes=11-11          | 12     | 11-11",
            "bytes=4-             | 12     | 4-11",
            "bytes=0-             | 12     | 0-11",
            "bytes=5-100          | 12     | 5-11",     // last-pos past the end is clipped
            "bytes=-2             | 12     | 10-11",    // suffix
            "bytes=-12            | 12     | 0-11",
            "bytes=-100           | 12     | 0-11",     // suffix longer than the file: all of it
            "`bytes= 1-2`         | 12     | 1-2",
            "`bytes=1 - 2`        | 12     | 1-2",
            "bytes=12-            | 12     | 416",      // first-pos at the end
            "bytes=100-200        | 12     | 416",
            "bytes=5-2            | 12     | 416",      // last before first
            "bytes=-0             | 12     | 416",      // empty suffix (RFC 9110 section 14.1.3)
            "bytes=-1             | 0      | 416",      // nothing to take from an empty file
            "bytes=0-             | 0      | 416",
            "bytes=0-1,4-5        | 12     | 0-1,4-5",  // several ranges, in order
            "bytes=4-5,0-1        | 12     | 0-1,4-5",  // sorted
            "bytes=0-4,2-6        | 12     | 0-6",      // overlapping: coalesced
            "bytes=0-1,2-3        | 12     | 0-3",      // adjacent: coalesced
            "bytes=0-1,,-1        | 12     | 0-1,11-11",
            "bytes=0-1,20-30      | 12     | 0-1",      // the unsatisfiable one is dropped
            "bytes=20-30,40-50    | 12     | 416",
            "Bytes=0-3            | 12     | 0-3",      // the unit is case-insensitive
            "`BYTES = 0-3`        | 12     | 0-3",
            "bytes=0-1,x-y        | 12     | IGNORE",   // one bad range: the header is ignored
            "items=0-3            | 12     | IGNORE",   // another unit
            "bytes=               | 12     | IGNORE",
            "bytes=-              | 12     | IGNORE",
            "bytes=3              | 12     | IGNORE",
            "bytes=a-b            | 12     | IGNORE",
            "bytes=0-x            | 12     | IGNORE",
    })
    void parse(String header, long length, String expected) {
        List<ByteRange.Span> spans = ByteRange.parse(header, length);
        switch (expected) {
            case "IGNORE" -> assertNull(spans);
            case "416" -> assertSame(ByteRange.UNSATISFIABLE, spans);
            default -> assertEquals(expected, spans.stream().map(s -> s.first() + "-" + s.last())
                    .collect(Collectors.joining(",")));
        }
    }
}
