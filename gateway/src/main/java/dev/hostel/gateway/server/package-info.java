/**
 * The front-end listener: one {@link dev.hostel.gateway.server.GatewayChannelInitializer} assembles the pipeline
 * of every client connection; single-purpose handlers route each request by Host, serve static aliases from disk
 * and proxy the rest to the site's upstream; {@link dev.hostel.gateway.server.ErrorResponses} is the one place
 * where failures become statuses. May import routing, upstream and config; not the supervisor's internals.
 */
package dev.hostel.gateway.server;
