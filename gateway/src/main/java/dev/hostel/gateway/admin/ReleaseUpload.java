package dev.hostel.gateway.admin;

import java.nio.file.Path;

/**
 * A release archive received by {@link ReleaseUploadHandler}, for the API to deploy.
 *
 * @param site    the site of {@code POST /sites/NAME/releases}
 * @param archive the file it was streamed to (removed once answered)
 * @param who     for the log, e.g. {@code POST releases from uid 0}
 */
record ReleaseUpload(String site, Path archive, String who) {
}
