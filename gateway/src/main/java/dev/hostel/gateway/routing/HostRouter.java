package dev.hostel.gateway.routing;

import static java.util.Objects.requireNonNull;

import java.util.Collection;
import java.util.HashMap;
import java.util.Locale;
import java.util.Map;
import java.util.function.Function;
import java.util.function.Predicate;

/**
 * An immutable table from the {@code Host} of a request to a target (a site). Built once with
 * {@link #builder()}; safe to share between threads.
 *
 * <p>{@link #route(String)} matches, in this order:
 *
 * <ol>
 *   <li>an exact name ({@code blog.example.com});
 *   <li>a wildcard {@code *.suffix}, the longest matching suffix winning: {@code *.example.com}
 *       matches {@code a.example.com} and {@code a.b.example.com} but not {@code example.com}, and
 *       {@code *.b.example.com} wins over it for {@code a.b.example.com};
 *   <li>the default target, if any;
 * </ol>
 *
 * <p>and otherwise returns null. Matching is case-insensitive, ignores the port ({@code
 * Blog.Example.com:8080}, {@code [::1]:8080}) and a trailing dot ({@code example.com.}). A lookup
 * is one hash lookup for the exact name plus one per label of the host for the wildcards, whatever
 * the number of sites.
 *
 * @param <T> what a host routes to
 */
public final class HostRouter<T> {

    private static final HostRouter<?> EMPTY = new HostRouter<>(Map.of(), Map.of(), null);

    private final Map<String, T> exact;

    /** Wildcard targets keyed by suffix: {@code *.example.com} is stored as {@code example.com}. */
    private final Map<String, T> wildcards;

    private final T defaultTarget;

    private HostRouter(Map<String, T> exact, Map<String, T> wildcards, T defaultTarget) {
        this.exact = exact;
        this.wildcards = wildcards;
        this.defaultTarget = defaultTarget;
    }

    /** A router that routes nothing: {@link #route} always returns null. */
    @SuppressWarnings("unchecked")
    public static <T> HostRouter<T> empty() {
        return (HostRouter<T>) EMPTY;
    }

    public static <T> Builder<T> builder() {
        return new Builder<>();
    }

    /**
     * Builds a router over {@code targets}: each one routed from its host patterns, and the one for
     * which {@code isDefault} holds as the default.
     *
     * @throws IllegalArgumentException when two targets claim the same pattern or more than one is
     *     the default
     */
    public static <T> HostRouter<T> of(
            Collection<? extends T> targets,
            Function<? super T, ? extends Collection<String>> hostsOf,
            Predicate<? super T> isDefault) {
        Builder<T> b = builder();
        for (T t : targets) {
            for (String pattern : hostsOf.apply(t)) {
                b.add(pattern, t);
            }
            if (isDefault.test(t)) {
                b.defaultTarget(t);
            }
        }
        return b.build();
    }

    /**
     * The target for a {@code Host} header value (or an authority), or the default target when no
     * pattern matches, or null when there is no default either. A null or empty host gets the
     * default.
     */
    public T route(String hostHeader) {
        String host = normalize(hostHeader);
        if (host.isEmpty()) {
            return defaultTarget;
        }
        T target = exact.get(host);
        if (target != null) {
            return target;
        }
        if (!wildcards.isEmpty()) {
            for (int dot = host.indexOf('.'); dot >= 0; dot = host.indexOf('.', dot + 1)) {
                target = wildcards.get(host.substring(dot + 1));
                if (target != null) {
                    return target;
                }
            }
        }
        return defaultTarget;
    }

    /** The default target, or null. */
    public T defaultTarget() {
        return defaultTarget;
    }

    /** The number of patterns, exact and wildcard. */
    public int size() {
        return exact.size() + wildcards.size();
    }

    /**
     * The host of a {@code Host} header as it is matched: trimmed, lower-case, without the port and
     * without one trailing dot. An IPv6 literal keeps its brackets ({@code [::1]}). Null gives "".
     */
    public static String normalize(String hostHeader) {
        if (hostHeader == null) {
            return "";
        }
        String h = hostHeader.trim();
        if (h.startsWith("[")) {
            int close = h.indexOf(']');
            h = close < 0 ? h : h.substring(0, close + 1);
        } else {
            int colon = h.indexOf(':');
            // More than one colon is a bare IPv6 literal (invalid in a Host header): leave it
            // alone.
            if (colon >= 0 && h.indexOf(':', colon + 1) < 0) {
                h = h.substring(0, colon);
            }
            if (h.endsWith(".")) {
                h = h.substring(0, h.length() - 1);
            }
        }
        return h.toLowerCase(Locale.ROOT);
    }

    /** Collects patterns; not thread-safe; {@link #build()} may be called once or more. */
    public static final class Builder<T> {

        private final Map<String, T> exact = new HashMap<>();
        private final Map<String, T> wildcards = new HashMap<>();
        private T defaultTarget;

        private Builder() {}

        /**
         * Routes {@code pattern} to {@code target}: an exact host name, or {@code *.suffix}. The
         * pattern is normalized as a request's host is ({@link HostRouter#normalize}).
         *
         * @throws IllegalArgumentException when the pattern is empty, is a misplaced wildcard, or
         *     was already added
         */
        public Builder<T> add(String pattern, T target) {
            requireNonNull(target, "target");
            String p = normalize(requireNonNull(pattern, "pattern"));
            Map<String, T> map = exact;
            if (p.startsWith("*.")) {
                p = p.substring(2);
                map = wildcards;
            }
            if (p.isEmpty() || p.indexOf('*') >= 0) {
                throw new IllegalArgumentException("not a host pattern: \"" + pattern + "\"");
            }
            T previous = map.putIfAbsent(p, target);
            if (previous != null) {
                throw new IllegalArgumentException(
                        "\"" + pattern + "\" is already routed to " + previous);
            }
            return this;
        }

        /**
         * Sets the target of hosts that match no pattern.
         *
         * @throws IllegalArgumentException when another default was set
         */
        public Builder<T> defaultTarget(T target) {
            requireNonNull(target, "target");
            if (defaultTarget != null && defaultTarget != target) {
                throw new IllegalArgumentException(
                        "two defaults: " + defaultTarget + " and " + target);
            }
            defaultTarget = target;
            return this;
        }

        public HostRouter<T> build() {
            return new HostRouter<>(Map.copyOf(exact), Map.copyOf(wildcards), defaultTarget);
        }
    }
}
