package dev.hostel.gateway.admin;

import dev.hostel.gateway.config.ConfigError;
import dev.hostel.gateway.config.SiteConfig;
import dev.hostel.gateway.config.SiteSet;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * What re-reading {@code sites.d} changes, worked out before anything is applied: the sites to add, to replace
 * (their {@link SiteConfig} differs from the running one) and to remove (their file is gone). A site whose file
 * is broken keeps its last good version, and so does a site whose new version would take a host from such a
 * site; those are reported in {@link #errors}. (Whether a site fits the memory budget is checked as it is applied,
 * after the removals have given memory back.) Sites that did not change are left alone, so
 * that a reload restarts nothing it need not.
 *
 * @param added   sites that are not running yet
 * @param changed new versions of running sites
 * @param removed names of running sites whose file is gone
 * @param errors  the broken files and the refused sites, as {@code file:line: key: message}
 */
record SiteDiff(List<SiteConfig> added, List<SiteConfig> changed, List<String> removed, List<ConfigError> errors) {

    SiteDiff {
        added = List.copyOf(added);
        changed = List.copyOf(changed);
        removed = List.copyOf(removed);
        errors = List.copyOf(errors);
    }

    /** Whether there is nothing to apply (there may still be errors to report). */
    boolean isEmpty() {
        return added.isEmpty() && changed.isEmpty() && removed.isEmpty();
    }

    /**
     * @param running the sites being served now
     * @param onDisk  what {@code ConfigLoader.loadSites} found in {@code sites.d}
     */
    static SiteDiff between(Collection<SiteConfig> running, SiteSet onDisk) {
        Set<String> brokenFiles = new HashSet<>();
        for (ConfigError error : onDisk.errors()) {
            Path file = Path.of(error.file()).getFileName();
            if (file != null) {
                brokenFiles.add(file.toString());
            }
        }
        Map<String, SiteConfig> kept = new LinkedHashMap<>();
        Map<String, SiteConfig> now = new LinkedHashMap<>();
        for (SiteConfig site : running) {
            now.put(site.name(), site);
            // A site not from a file (the admin could not persist it) or from a broken file keeps running as it is.
            if (site.sourceFile() == null || brokenFiles.contains(site.sourceFile().getFileName().toString())) {
                kept.put(site.name(), site);
            }
        }
        List<ConfigError> errors = new ArrayList<>(onDisk.errors());
        Map<String, SiteConfig> wanted = new LinkedHashMap<>(kept);
        for (SiteConfig site : onDisk.sites()) {
            if (!kept.containsKey(site.name())) {
                wanted.put(site.name(), site);
            }
        }
        List<SiteConfig> added = new ArrayList<>();
        List<SiteConfig> changed = new ArrayList<>();
        for (SiteConfig site : onDisk.sites()) {
            if (kept.containsKey(site.name()) || site.equals(now.get(site.name()))) {
                continue;
            }
            Optional<ConfigError> refused = conflict(site, kept.values());
            if (refused.isPresent()) {
                errors.add(refused.get());
                SiteConfig old = now.get(site.name());
                if (old == null) {
                    wanted.remove(site.name());
                } else {
                    wanted.put(site.name(), old);
                }
                continue;
            }
            (now.containsKey(site.name()) ? changed : added).add(site);
        }
        List<String> removed = now.keySet().stream().filter(name -> !wanted.containsKey(name)).toList();
        return new SiteDiff(added, changed, removed, errors);
    }

    /** The files on disk agree with each other (loadSites checked that); a kept old version may not. */
    private static Optional<ConfigError> conflict(SiteConfig site, Collection<SiteConfig> kept) {
        return new SiteSet(List.copyOf(kept), List.of()).conflicts(site, label(site)).stream().findFirst();
    }

    /** The site's file as the operator knows it: relative to the working directory when it lies below it. */
    static String label(SiteConfig site) {
        if (site.sourceFile() == null) {
            return site.name() + ".toml";
        }
        Path cwd = Path.of("").toAbsolutePath();
        Path file = site.sourceFile();
        return file.startsWith(cwd) ? cwd.relativize(file).toString() : file.toString();
    }
}
