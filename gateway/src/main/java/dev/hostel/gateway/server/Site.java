package dev.hostel.gateway.server;

import dev.hostel.gateway.config.SiteConfig;
import dev.hostel.gateway.upstream.SiteUpstream;

/** What the listener routes a request to: a site's configuration, its static aliases and its upstream. */
public final class Site {
    private final SiteConfig config;
    private final StaticFiles statics;
    private final SiteUpstream upstream;

    public Site(SiteConfig config, SiteUpstream upstream) {
        this.config = config;
        this.statics = StaticFiles.of(config.staticAliases());
        this.upstream = upstream;
    }

    public SiteConfig config() {
        return config;
    }

    StaticFiles statics() {
        return statics;
    }

    public SiteUpstream upstream() {
        return upstream;
    }
}
