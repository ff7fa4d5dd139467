package dev.hostel.gateway.routing;

import static java.util.Objects.requireNonNull;

import java.util.concurrent.atomic.AtomicReference;

/**
 * The current {@link HostRouter}, replaced as a whole when the sites change. A request routes
 * against whichever table is current when it looks; it never sees a half-updated one. The caller
 * builds the new router (e.g. with {@link HostRouter#of}) and {@linkplain #swap swaps} it in.
 *
 * @param <T> what a host routes to
 */
public final class Routes<T> {

    private final AtomicReference<HostRouter<T>> current;

    /** Starts with an empty table, which routes nothing. */
    public Routes() {
        this(HostRouter.empty());
    }

    public Routes(HostRouter<T> initial) {
        current = new AtomicReference<>(requireNonNull(initial, "initial"));
    }

    /** The table in use now. */
    public HostRouter<T> current() {
        return current.get();
    }

    /** Routes {@code hostHeader} with the table in use now; see {@link HostRouter#route}. */
    public T route(String hostHeader) {
        return current.get().route(hostHeader);
    }

    /** Makes {@code next} the table in use and returns the one it replaces. */
    public HostRouter<T> swap(HostRouter<T> next) {
        return current.getAndSet(requireNonNull(next, "next"));
    }
}
