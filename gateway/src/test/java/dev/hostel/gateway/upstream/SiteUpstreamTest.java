package dev.hostel.gateway.upstream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.hostel.gateway.supervisor.BudgetFullException;
import dev.hostel.gateway.supervisor.RunnerDemand;
import dev.hostel.gateway.supervisor.RunnerProcess;
import dev.hostel.gateway.supervisor.SiteDownException;
import dev.hostel.gateway.transport.Transport;
import io.netty.channel.EventLoop;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.util.concurrent.Future;

import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * {@link SiteUpstream} while no runner is ready: requests queue (bounded), each waits at most the start
 * timeout, and what the supervisor reports ({@code unavailable}) fails them with the right exception.
 */
class SiteUpstreamTest {
    private static final int MAX_QUEUE = 3;

    private final AtomicInteger requested = new AtomicInteger();
    private final List<String> replaced = new ArrayList<>();
    /** What the supervisor answers to {@code down()}: null while requests may wait. */
    private SiteDownException down;
    private EmbeddedChannel channel;
    private EventLoop loop;
    private SiteUpstream upstream;

    @BeforeEach
    void upstreamWithoutRunners() {
        channel = new EmbeddedChannel();
        channel.freezeTime();
        loop = channel.eventLoop();
        upstream = new SiteUpstream("blog", Transport.NIO, Duration.ofSeconds(10), MAX_QUEUE);
        upstream.demand(new RunnerDemand() {
            @Override
            public void requested() {
                requested.incrementAndGet();
            }

            @Override
            public SiteDownException down() {
                return down;
            }

            @Override
            public void replace(RunnerProcess runner, String reason) {
                replaced.add(reason);
            }
        });
    }

    @AfterEach
    void nothingLeft() {
        assertFalse(channel.finishAndReleaseAll());
    }

    private void advance(long seconds) {
        channel.advanceTimeBy(seconds, TimeUnit.SECONDS);
        channel.runPendingTasks();
    }

    @Test
    void acquireWithoutAReadyRunnerQueues() {
        Future<UpstreamConnection> first = upstream.acquire(loop);
        Future<UpstreamConnection> second = upstream.acquire(loop);
        assertFalse(first.isDone());
        assertFalse(second.isDone());
        assertEquals(2, upstream.queued());
        assertEquals(2, requested.get(), "every acquire tells the supervisor");
    }

    @Test
    void queueIsBoundedByMaxQueue() {
        List<Future<UpstreamConnection>> waiting = new ArrayList<>();
        for (int i = 0; i < MAX_QUEUE; i++) {
            waiting.add(upstream.acquire(loop));
        }
        Future<UpstreamConnection> refused = upstream.acquire(loop);
        assertTrue(refused.isDone());
        assertInstanceOf(UpstreamUnavailableException.class, refused.cause());
        assertEquals(MAX_QUEUE, upstream.queued());
        assertTrue(waiting.stream().noneMatch(Future::isDone));
        assertEquals(MAX_QUEUE + 1, requested.get(), "a refused request still counts as demand");
    }

    @Test
    void waiterGivesUpAfterTheStartTimeout() {
        Future<UpstreamConnection> early = upstream.acquire(loop);
        advance(5);
        Future<UpstreamConnection> late = upstream.acquire(loop);
        advance(4);
        assertFalse(early.isDone());
        advance(1);
        assertInstanceOf(UpstreamUnavailableException.class, early.cause());
        assertFalse(late.isDone(), "each waiter has its own clock");
        assertEquals(1, upstream.queued());
        advance(5);
        assertInstanceOf(UpstreamUnavailableException.class, late.cause());
        assertEquals(0, upstream.queued());
    }

    @Test
    void aSiteThatIsDownFailsItsRequestsAtOnceAndTheyQueueAgainOnceItIsNot() {
        down = new SiteDownException("site blog failed to start (SyntaxError)", true, Duration.ofSeconds(4));
        Future<UpstreamConnection> refused = upstream.acquire(loop);
        assertTrue(refused.isDone(), "a broken site answers at once");
        assertSame(down, refused.cause());
        assertEquals(0, upstream.queued());
        assertEquals(1, requested.get(), "the supervisor heard of it: after the back-off, this starts a retry");

        down = null;
        assertFalse(upstream.acquire(loop).isDone(), "once retried, requests wait for the start");
        upstream.unavailable(new SiteDownException("site blog failed to start (SyntaxError)", true,
                Duration.ofSeconds(8)));
        assertEquals(0, upstream.queued());
    }

    @Test
    void timedOutWaitersMakeRoomInTheQueue() {
        for (int i = 0; i < MAX_QUEUE; i++) {
            upstream.acquire(loop);
        }
        advance(10);
        assertEquals(0, upstream.queued());
        assertFalse(upstream.acquire(loop).isDone());
    }

    @Test
    void budgetFullFailsEveryWaiterWithUnavailable() {
        Future<UpstreamConnection> a = upstream.acquire(loop);
        Future<UpstreamConnection> b = upstream.acquire(loop);
        upstream.unavailable(new BudgetFullException("memory budget full"));
        for (Future<UpstreamConnection> f : List.of(a, b)) {
            assertInstanceOf(UpstreamUnavailableException.class, f.cause());
            assertEquals("memory budget full", f.cause().getMessage());
        }
        assertEquals(0, upstream.queued());
        advance(20); // the cancelled timeouts do nothing more
        assertEquals(0, upstream.queued());
    }

    @Test
    void brokenAppFailsEveryWaiterWithItsIoException() {
        Future<UpstreamConnection> a = upstream.acquire(loop);
        Future<UpstreamConnection> b = upstream.acquire(loop);
        IOException cause = new IOException("runner exited with status 1 before READY");
        upstream.unavailable(cause);
        assertSame(cause, a.cause());
        assertSame(cause, b.cause());
        assertEquals(0, upstream.queued());
    }

    @Test
    void requestsAfterAnUnavailableReportQueueAgain() {
        upstream.acquire(loop);
        upstream.unavailable(new BudgetFullException("full"));
        Future<UpstreamConnection> next = upstream.acquire(loop);
        assertFalse(next.isDone());
        assertEquals(1, upstream.queued());
    }

    @Test
    void unavailableWithNobodyWaitingIsHarmless() {
        upstream.unavailable(new IOException("gone"));
        assertEquals(0, upstream.queued());
        assertTrue(replaced.isEmpty());
        assertEquals(0, requested.get());
    }
}
