/**
 * Parsing and validating {@code conf/hostel.toml} and the site files in {@code sites.d/} (or the
 * same keys as TOML or JSON from the admin API) into immutable, already validated records: {@link
 * dev.hostel.gateway.config.HostelConfig}, {@link dev.hostel.gateway.config.SiteConfig} and {@link
 * dev.hostel.gateway.config.SiteSet}. Every error names file, line, key and the bad value ({@link
 * dev.hostel.gateway.config.ConfigError}). Entry points are in {@link
 * dev.hostel.gateway.config.ConfigLoader}.
 *
 * <p>May import tomlj, Jackson and {@code dev.hostel.gateway.routing}; must not import Netty.
 */
package dev.hostel.gateway.config;
