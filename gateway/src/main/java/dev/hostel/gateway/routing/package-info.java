/**
 * The immutable host → site table ({@link dev.hostel.gateway.routing.HostRouter}) and the holder
 * that swaps it atomically when the sites change ({@link dev.hostel.gateway.routing.Routes}).
 * Generic in what it routes to, so it depends on nothing else in the gateway.
 *
 * <p>Must not import Netty or {@code dev.hostel.gateway.config}.
 */
package dev.hostel.gateway.routing;
