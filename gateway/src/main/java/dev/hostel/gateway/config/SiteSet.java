package dev.hostel.gateway.config;

import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Optional;
import java.util.function.ToIntFunction;

/**
 * The sites of {@code sites_dir}, as {@link ConfigLoader#loadSites} found them: the valid ones, and
 * the errors of the files that were skipped. Every host belongs to at most one site, names are
 * unique and at most one site is the default.
 *
 * @param sites the valid sites, in file name order
 * @param errors the errors of the skipped files, in file name and line order
 */
public record SiteSet(List<SiteConfig> sites, List<ConfigError> errors) {

    public SiteSet {
        sites = List.copyOf(sites);
        errors = List.copyOf(errors);
    }

    /** Whether some file was skipped. */
    public boolean hasErrors() {
        return !errors.isEmpty();
    }

    /** The site called {@code name}, if any. */
    public Optional<SiteConfig> site(String name) {
        return sites.stream().filter(s -> s.name().equals(name)).findFirst();
    }

    /** The site with {@code default = true}, if any. */
    public Optional<SiteConfig> defaultSite() {
        return sites.stream().filter(SiteConfig::isDefault).findFirst();
    }

    /**
     * The conflicts {@code candidate} would have with these sites if it were added, or replaced the
     * site of the same name (as a {@code PUT /sites/NAME} does): a host already served by another
     * site, or a second default site. Empty when it can be added. The errors have no line.
     */
    public List<ConfigError> conflicts(SiteConfig candidate, String file) {
        List<SiteConfig> others =
                sites.stream().filter(s -> !s.name().equals(candidate.name())).toList();
        return conflicts(others, candidate, file, key -> ConfigError.NO_LINE);
    }

    /**
     * The cross-site checks shared by {@link ConfigLoader#loadSites} and {@link
     * #conflicts(SiteConfig, String)}.
     */
    static List<ConfigError> conflicts(
            Collection<SiteConfig> others,
            SiteConfig site,
            String file,
            ToIntFunction<String> lineOf) {
        List<ConfigError> errors = new ArrayList<>();
        for (SiteConfig other : others) {
            if (other.name().equals(site.name())) {
                errors.add(
                        new ConfigError(
                                file,
                                lineOf.applyAsInt("name"),
                                "name",
                                "the site name "
                                        + Units.quote(site.name())
                                        + " is already used by "
                                        + origin(other)));
            }
            for (String host : site.hosts()) {
                if (other.hosts().contains(host)) {
                    errors.add(
                            new ConfigError(
                                    file,
                                    lineOf.applyAsInt("hosts"),
                                    "hosts",
                                    Units.quote(host)
                                            + " is already a host of site "
                                            + Units.quote(other.name())));
                }
            }
            if (site.isDefault() && other.isDefault()) {
                errors.add(
                        new ConfigError(
                                file,
                                lineOf.applyAsInt("default"),
                                "default",
                                "site "
                                        + Units.quote(other.name())
                                        + " is already the default site"));
            }
        }
        return errors;
    }

    private static String origin(SiteConfig site) {
        return site.sourceFile() == null ? "another site" : ConfigLoader.display(site.sourceFile());
    }
}
