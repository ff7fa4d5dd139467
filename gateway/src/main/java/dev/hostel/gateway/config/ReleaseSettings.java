package dev.hostel.gateway.config;

import java.nio.file.Path;

/**
 * Where a site's code comes from, and how much of its history is kept: a site file without {@code root} gets its
 * code by release ({@code hostel ctl deploy}), unpacked into {@code PREFIX/releases/NAME/ID/}, with the link
 * {@code current} naming the release that serves.
 *
 * @param fromReleases whether the site's root is its current release rather than a folder it names
 * @param keep (key {@code keep_releases}, default 5, 1..100) how many releases are kept, the current one among them
 * @param disk (key {@code disk}, default 0: no quota) the most the site's releases may take on disk together;
 *     a release that would exceed it is refused
 */
public record ReleaseSettings(boolean fromReleases, int keep, long disk) {
    public static final int DEFAULT_KEEP = 5;
    public static final int MAX_KEEP = 100;
    /** The folder, relative to the prefix, that holds every site's releases. */
    public static final String FOLDER = "releases";
    /** The link, in a site's release folder, to the release that serves. */
    public static final String CURRENT = "current";

    /** A site that names its root: releases keep their defaults, for the day its root key goes. */
    public static final ReleaseSettings NONE = new ReleaseSettings(false, DEFAULT_KEEP, 0);

    /** The folder of {@code site}'s releases below {@code prefix}. */
    public static Path folder(Path prefix, String site) {
        return prefix.resolve(FOLDER).resolve(site);
    }
}
