package dev.hostel.gateway.supervisor;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/** Admission by reservations, the gateway counted by its measure, and pressure judged by what is measured. */
class MemoryBudgetTest {
    private static final long MB = 1L << 20;

    @Test
    void reservationsAdmitAndWhatRunnersUseBeyondThemCounts() {
        MemoryBudget budget = new MemoryBudget(512 * MB, 0, 80 * MB);
        assertEquals(80 * MB, budget.gateway());
        for (int i = 0; i < 10; i++) {
            assertTrue(budget.tryReserve(40 * MB), "ten runners of 40 MB reserved fit beside an 80 MB gateway");
        }
        assertFalse(budget.tryReserve(40 * MB), "an eleventh does not");
        assertEquals(480 * MB, budget.used());

        // Two runners grew 10 MB beyond their reservations: that memory is taken, whatever they reserved.
        budget.runnersMeasured(420 * MB, 20 * MB);
        assertEquals(500 * MB, budget.used());
        assertEquals(500 * MB, budget.inUse());
        assertTrue(budget.underPressure(), "500 of 512 MB is within 5% of the total");
        budget.release(40 * MB);
        assertEquals(460 * MB, budget.used());
        assertTrue(budget.tryReserve(40 * MB), "the runner that left makes room for one of its size");
        assertEquals(12 * MB, budget.free());
        assertFalse(budget.tryReserve(16 * MB), "the 20 MB used beyond reservations are not free");
    }

    @Test
    void theGatewayIsCountedByItsMeasureWithAFloorOrByGatewayMemory() {
        MemoryBudget measured = new MemoryBudget(512 * MB, 0, 10 * MB);
        assertEquals(MemoryBudget.GATEWAY_FLOOR, measured.gateway(), "never less than the floor");
        measured.gatewayMeasured(120 * MB);
        assertEquals(120 * MB, measured.gateway());
        assertEquals(392 * MB, measured.forRunners());
        measured.gatewayMeasured(-1);
        assertEquals(120 * MB, measured.gateway(), "a failed reading keeps the last one");

        MemoryBudget fixed = new MemoryBudget(512 * MB, 128 * MB, 60 * MB);
        fixed.gatewayMeasured(200 * MB);
        assertEquals(128 * MB, fixed.gateway());
        assertFalse(fixed.gatewayMeasured());

        assertThrows(IllegalArgumentException.class, () -> new MemoryBudget(64 * MB, 0, 100 * MB));
    }

    @Test
    void reservationsEqualToCeilingsKeepTheBudgetOfCeilings() {
        MemoryBudget budget = new MemoryBudget(512 * MB, 128 * MB, 0);
        assertTrue(budget.tryReserve(128 * MB));
        assertTrue(budget.tryReserve(128 * MB));
        assertTrue(budget.tryReserve(128 * MB));
        // A runner cannot use beyond a reservation equal to its ceiling: nothing else is ever counted.
        budget.runnersMeasured(300 * MB, 0);
        assertFalse(budget.tryReserve(128 * MB));
        assertEquals(512 * MB, budget.used());
    }
}
