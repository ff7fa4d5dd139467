/**
 * A site's code by release, as {@code git archive HEAD | hostel ctl deploy NAME -} sends it: unpacking a tar safely
 * ({@link dev.hostel.gateway.releases.ReleaseArchive}), keeping a site's releases and the link to the current one
 * ({@link dev.hostel.gateway.releases.SiteReleases}), and compiling a release before it serves
 * ({@link dev.hostel.gateway.releases.Precompiler}). Switching the site to a release is the admin
 * {@code Controller}'s business. May import {@code config} and commons-compress; must not import Netty.
 */
package dev.hostel.gateway.releases;
