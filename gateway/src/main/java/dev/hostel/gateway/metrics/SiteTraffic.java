package dev.hostel.gateway.metrics;

/**
 * A site's requests as the request metrics saw them, for {@code GET /sites} and {@code hostel ctl top}.
 *
 * @param requests   answered since Hostel started
 * @param errors     of those, answered with a 5xx status
 * @param p99Seconds the 99th percentile of the recent request times (the last minutes), 0 when none
 */
public record SiteTraffic(long requests, long errors, double p99Seconds) {
    public static final SiteTraffic NONE = new SiteTraffic(0, 0, 0);
}
