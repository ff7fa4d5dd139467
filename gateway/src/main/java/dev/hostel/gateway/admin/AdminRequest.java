package dev.hostel.gateway.admin;

/**
 * One request to the admin API, independent of Netty.
 *
 * @param method      {@code GET}, {@code PUT}, ...
 * @param path        the path without the query
 * @param contentType the media type of the body without parameters, lower case, or empty
 * @param body        the body as text (UTF-8)
 * @param uid         the peer's user id, or -1 when the platform does not tell
 * @param form        the API's answer, or what {@code hostel ctl} prints ({@link CtlOutput})
 */
record AdminRequest(String method, String path, String contentType, String body, long uid, CtlOutput.Form form) {

    /** {@code uid 1000}, or {@code an unknown user}, for the log. */
    String who() {
        return method + " from " + (uid < 0 ? "an unknown user" : "uid " + uid);
    }
}
