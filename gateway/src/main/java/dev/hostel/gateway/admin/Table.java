package dev.hostel.gateway.admin;

import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.List;

/**
 * A table for people, as {@code hostel ctl} prints it ({@link CtlOutput}, {@code ctl top}): a header and rows, columns padded to their widest cell, two spaces apart, numbers (cells
 * of the columns marked right-aligned) on the right. The last column is not padded. Sizes and durations in cells
 * are written as {@link #size} and {@link #duration} write them.
 */
public final class Table {
    private final List<String> header;
    private final boolean[] right;
    private final List<List<String>> rows = new ArrayList<>();

    /** @param columns column names; a name starting with {@code >} is right-aligned (the {@code >} is dropped) */
    public Table(String... columns) {
        header = new ArrayList<>();
        right = new boolean[columns.length];
        for (int i = 0; i < columns.length; i++) {
            right[i] = columns[i].startsWith(">");
            header.add(right[i] ? columns[i].substring(1) : columns[i]);
        }
    }

    public Table row(Object... cells) {
        List<String> row = new ArrayList<>();
        for (Object cell : cells) {
            row.add(cell == null ? "-" : cell.toString());
        }
        rows.add(row);
        return this;
    }

    public void print(PrintWriter out) {
        int[] widths = new int[header.size()];
        List<List<String>> all = new ArrayList<>();
        all.add(header);
        all.addAll(rows);
        for (List<String> row : all) {
            for (int i = 0; i < widths.length && i < row.size(); i++) {
                widths[i] = Math.max(widths[i], row.get(i).length());
            }
        }
        for (List<String> row : all) {
            StringBuilder line = new StringBuilder();
            for (int i = 0; i < widths.length; i++) {
                String cell = i < row.size() ? row.get(i) : "";
                boolean last = i == widths.length - 1;
                String pad = " ".repeat(widths[i] - cell.length());
                line.append(right[i] ? pad + cell : last ? cell : cell + pad);
                if (!last) {
                    line.append("  ");
                }
            }
            out.println(line.toString().stripTrailing());
        }
        out.flush();
    }

    /** {@code 143M}; {@code -} when unknown. */
    public static String size(long bytes) {
        if (bytes <= 0) {
            return "-";
        }
        long mb = (bytes + (1 << 19)) >> 20;
        return mb >= 10_240 ? String.format("%.1fG", bytes / (double) (1L << 30)) : mb + "M";
    }

    /** {@code 12 ms}; {@code -} when unknown. */
    public static String millis(double seconds) {
        return seconds <= 0 ? "-" : String.format("%.0f ms", seconds * 1000);
    }

    /** {@code 42s}, {@code 3m05s}, {@code 2h07m}, {@code 3d04h}. */
    public static String duration(double seconds) {
        long s = (long) seconds;
        if (s < 60) {
            return s + "s";
        }
        if (s < 3600) {
            return String.format("%dm%02ds", s / 60, s % 60);
        }
        if (s < 86400) {
            return String.format("%dh%02dm", s / 3600, (s % 3600) / 60);
        }
        return String.format("%dd%02dh", s / 86400, (s % 86400) / 3600);
    }
}
