/**
 * The control socket and its commands, Hostel's controller in NGINX Unit's terms: an HTTP/1.1 server with
 * JSON bodies on the Unix socket {@code admin_socket} ({@link dev.hostel.gateway.admin.AdminServer}), the
 * one thread that changes the sites ({@link dev.hostel.gateway.admin.Controller}: parse, validate, check
 * conflicts and budget, apply, persist, leaving the previous state serving when a step fails), and the
 * live configuration of {@code sites.d} (SIGHUP, {@code POST /reload} and the directory watcher all apply
 * the same {@link dev.hostel.gateway.admin.SiteDiff}).
 *
 * <p>May import Netty, Jackson, {@code config}, {@code supervisor}, {@code metrics} and the root package's
 * {@link dev.hostel.gateway.LiveSites}; must not import {@code server}.
 */
package dev.hostel.gateway.admin;
