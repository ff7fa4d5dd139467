package dev.hostel.gateway.server;

/** Finds the site for a request's {@code Host} header; the routing table behind it may change at any time. */
@FunctionalInterface
public interface SiteResolver {
    /** The site for this Host (exact name, wildcard, then the default), or {@code null}: 404. */
    Site resolve(String host);
}
