/**
 * The access logs: one file per site in {@code log_dir}, in the Combined Log Format plus the request time,
 * written by one background thread so that the event loops never wait for a disk.
 *
 * <p>May import {@code server} (for {@link dev.hostel.gateway.server.RequestRecord}); nothing imports it but the
 * root package.
 */
package dev.hostel.gateway.logs;
