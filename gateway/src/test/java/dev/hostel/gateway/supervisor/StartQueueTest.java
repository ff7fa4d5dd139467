package dev.hostel.gateway.supervisor;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;

import org.junit.jupiter.api.Test;

class StartQueueTest {

    @Test
    void startsBeyondTheLimitWaitAndGoInTheOrderTheyCame() {
        StartQueue queue = new StartQueue(2, Runnable::run);
        CompletableFuture<Void> a = queue.acquire();
        CompletableFuture<Void> b = queue.acquire();
        List<CompletableFuture<Void>> later = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            later.add(queue.acquire());
        }
        assertTrue(a.isDone() && b.isDone());
        assertTrue(later.stream().noneMatch(CompletableFuture::isDone));
        assertEquals(2, queue.starting());
        assertEquals(3, queue.waiting());

        queue.release();
        assertTrue(later.get(0).isDone());
        assertFalse(later.get(1).isDone());
        assertEquals(2, queue.starting(), "a finished start hands its turn on");

        queue.release();
        queue.release();
        assertTrue(later.stream().allMatch(CompletableFuture::isDone));
        queue.release();
        queue.release();
        assertEquals(0, queue.starting());
        assertTrue(queue.acquire().isDone());
    }

    @Test
    void aLimitBelowOneIsRefused() {
        assertThrows(IllegalArgumentException.class, () -> new StartQueue(0, Runnable::run));
    }
}
