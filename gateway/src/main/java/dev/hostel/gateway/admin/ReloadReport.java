package dev.hostel.gateway.admin;

import dev.hostel.gateway.config.ConfigError;

import java.util.List;

/**
 * What a reload of {@code sites.d} did, for the log, {@code POST /reload} and {@code hostel ctl reload}.
 *
 * @param added     the sites started
 * @param changed   the sites switched to their new version
 * @param inPlace   those of {@code changed} whose runners were kept: only keys the runners never see changed
 * @param removed   the sites stopped
 * @param unchanged how many sites were left alone
 * @param errors    broken files (whose site kept its last good version) and changes that did not apply
 */
record ReloadReport(List<String> added, List<String> changed, List<String> inPlace, List<String> removed,
                    int unchanged, List<ConfigError> errors) {

    ReloadReport {
        added = List.copyOf(added);
        changed = List.copyOf(changed);
        inPlace = List.copyOf(inPlace);
        removed = List.copyOf(removed);
        errors = List.copyOf(errors);
    }

    /** {@code 1 added, 2 changed (1 in place), 1 removed, 1 error}. */
    String summary() {
        return added.size() + " added, " + changed.size() + " changed"
                + (inPlace.isEmpty() ? "" : " (" + inPlace.size() + " in place)") + ", " + removed.size() + " removed, "
                + errors.size() + (errors.size() == 1 ? " error" : " errors");
    }
}
