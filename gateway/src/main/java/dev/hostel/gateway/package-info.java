/**
 * Hostel's gateway: {@link dev.hostel.gateway.Main} (the {@code hostel} command line) and
 * {@link dev.hostel.gateway.Hostel}, the one place where the parts below are wired together.
 */
package dev.hostel.gateway;
