package dev.hostel.gateway.metrics;

import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** A strict enough reader of the Prometheus text format for tests: every sample line is {@code name{labels} value}. */
public final class PrometheusText {
    private static final Pattern SAMPLE = Pattern.compile(
            "([a-zA-Z_:][a-zA-Z0-9_:]*)(\\{([a-zA-Z_][a-zA-Z0-9_]*=\"(?:[^\"\\\\\\n]|\\\\.)*\",?)*})? "
                    + "(-?[0-9.]+(?:[eE][-+]?[0-9]+)?|NaN|[+-]Inf)( -?[0-9]+)?");

    private PrometheusText() {
    }

    /** The lines that are neither comments, blank nor samples; empty when the text parses. */
    public static List<String> problems(String text) {
        List<String> bad = new ArrayList<>();
        for (String line : text.split("\n")) {
            if (line.isEmpty() || line.startsWith("#")) {
                continue;
            }
            if (!SAMPLE.matcher(line).matches()) {
                bad.add(line);
            }
        }
        return bad;
    }

    /** The value of the sample {@code name{labels}} (labels exactly as printed), or NaN when absent. */
    public static double value(String text, String nameAndLabels) {
        Matcher m = Pattern.compile("^" + Pattern.quote(nameAndLabels) + " (\\S+)$", Pattern.MULTILINE).matcher(text);
        return m.find() ? Double.parseDouble(m.group(1)) : Double.NaN;
    }
}
