package dev.hostel.gateway.supervisor;

import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Pattern;

/**
 * Per memory ceiling, the standard-library modules the last sites of that ceiling loaded, as their runners
 * reported them ({@code HOSTEL-MODULES a,b,c} after {@code HOSTEL-READY}): the next spare of that ceiling imports
 * them before it is claimed ({@code --spare --preload=a,b,c}), so that a framework site claiming it finds most of
 * its imports done (the runner's {@code StandardModules} says which modules are never preloaded, and why).
 *
 * <p>The newest report first, then what earlier ones named, at most {@link #MAX} names: a ceiling shared by a
 * Django site and a Flask site keeps both's modules. Names only, checked here as well as in the spare: a runner
 * runs a site's code, and the spare may be privileged. Kept in memory: after a restart of Hostel the first spare
 * of a ceiling is cold, and the first runner of it to start makes the next one warm.
 */
final class SparePreloads {
    static final String LINE = "HOSTEL-MODULES ";
    /** More than the 195 a Django start loads; a spare's command line stays under 8 KB. */
    static final int MAX = 400;
    private static final Pattern DOTTED = Pattern.compile("[A-Za-z_][A-Za-z0-9_]{0,63}(\\.[A-Za-z_][A-Za-z0-9_]{0,63}){0,7}");

    private final Map<Long, List<String>> byCeiling = new ConcurrentHashMap<>();

    /** Records what a runner of {@code ceiling} reported: the text after {@link #LINE}. */
    void record(long ceiling, String report) {
        Set<String> names = new LinkedHashSet<>();
        for (String name : report.strip().split(",")) {
            if (names.size() < MAX && DOTTED.matcher(name).matches()) {
                names.add(name);
            }
        }
        if (names.isEmpty()) {
            return;
        }
        byCeiling.merge(ceiling, List.copyOf(names), (old, latest) -> {
            Set<String> merged = new LinkedHashSet<>(latest);
            old.stream().limit(Math.max(0, MAX - latest.size())).forEach(merged::add);
            return List.copyOf(merged).subList(0, Math.min(MAX, merged.size()));
        });
    }

    /** What the next spare of {@code ceiling} should preload; empty before any runner of it was ready. */
    List<String> of(long ceiling) {
        return byCeiling.getOrDefault(ceiling, List.of());
    }
}
