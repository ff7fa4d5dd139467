/**
 * Connections from the gateway to a site's runners: picking the runner with the fewest requests in flight,
 * queueing requests while no runner is ready, and pooled keep-alive HTTP/1.1 connections over Unix sockets.
 * May import Netty and the supervisor's runner view; must not parse configuration.
 */
package dev.hostel.gateway.upstream;
