package dev.hostel.gateway.config;

import static java.util.Objects.requireNonNull;

import java.nio.file.Path;

/**
 * How the gateway holds a runner's response for a client that reads slower than the runner writes, like nginx's
 * {@code proxy_buffering}: first in memory, then in a temporary file, so that the runner's worker is free as soon
 * as its whole response is with the gateway. Only what the client cannot take yet is held; a client that keeps
 * up gets every piece as it comes (a stream is never delayed).
 *
 * @param memoryPerResponse {@code proxy_buffer}: bytes of one response held in memory (then a temporary file)
 * @param memoryTotal {@code proxy_buffers_total}: bytes held in memory by all responses together; past it,
 *     responses go to their temporary file at once
 * @param tempFileMax {@code proxy_temp_file_max}: bytes of one response held in its temporary file; past it,
 *     the runner is read only as fast as the client reads ({@code 0}: no temporary files)
 * @param tempDir {@code proxy_temp_dir}: where the temporary files are made (each is unlinked as soon as it is
 *     open, so nothing is left behind)
 */
public record ResponseBuffering(long memoryPerResponse, long memoryTotal, long tempFileMax, Path tempDir) {
    public static final long DEFAULT_MEMORY_PER_RESPONSE = 64L << 10;
    public static final long DEFAULT_MEMORY_TOTAL = 8L << 20;
    public static final long DEFAULT_TEMP_FILE_MAX = 1L << 30;
    /** {@code proxy_temp_dir} when not set: beside the admin socket, as the runners' sockets are. */
    public static final String DEFAULT_TEMP_DIR_NAME = "tmp";

    public ResponseBuffering {
        requireNonNull(tempDir, "tempDir");
        if (memoryPerResponse < 0 || memoryTotal < 0 || tempFileMax < 0) {
            throw new IllegalArgumentException("negative buffer size");
        }
    }

    /** The defaults, with temporary files in {@code runDir/tmp}. */
    public static ResponseBuffering defaults(Path runDir) {
        return new ResponseBuffering(DEFAULT_MEMORY_PER_RESPONSE, DEFAULT_MEMORY_TOTAL, DEFAULT_TEMP_FILE_MAX,
                runDir.resolve(DEFAULT_TEMP_DIR_NAME));
    }
}
