package dev.hostel.runner;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/** When {@link IdleTrim} collects: once per idle period, never with a request in flight. */
class IdleTrimTest {
    private static final long S = 1_000_000_000L;
    private final AtomicLong lastActivity = new AtomicLong(100 * S);
    private final AtomicLong inFlight = new AtomicLong();
    private final AtomicInteger collections = new AtomicInteger();
    private final IdleTrim trim = new IdleTrim(Duration.ofSeconds(30), lastActivity::get, inFlight::get,
            collections::incrementAndGet);

    @Test
    void collectsOnceAfterTheDelayWithoutRequests() {
        assertFalse(trim.check(129 * S), "29 s idle is not yet idle");
        assertTrue(trim.check(130 * S));
        assertFalse(trim.check(200 * S), "once per idle period: nothing was served since");
        assertEquals(1, collections.get());

        lastActivity.set(300 * S);
        assertFalse(trim.check(310 * S));
        assertTrue(trim.check(331 * S), "a new request, then idle again: collect again");
        assertEquals(2, collections.get());
    }

    @Test
    void neverWhileARequestIsInFlight() {
        inFlight.set(1);
        assertFalse(trim.check(1000 * S), "a long request is not idleness");
        inFlight.set(0);
        assertTrue(trim.check(1000 * S));
    }

    @Test
    void theDelayComesFromTheLauncherAndZeroDisablesIt() {
        String before = System.getProperty(IdleTrim.PROPERTY);
        try {
            System.clearProperty(IdleTrim.PROPERTY);
            assertEquals(IdleTrim.DEFAULT, IdleTrim.configured());
            System.setProperty(IdleTrim.PROPERTY, "5");
            assertEquals(Duration.ofSeconds(5), IdleTrim.configured());
            System.setProperty(IdleTrim.PROPERTY, "0");
            assertEquals(Duration.ZERO, IdleTrim.configured());
        } finally {
            if (before == null) {
                System.clearProperty(IdleTrim.PROPERTY);
            } else {
                System.setProperty(IdleTrim.PROPERTY, before);
            }
        }
    }
}
