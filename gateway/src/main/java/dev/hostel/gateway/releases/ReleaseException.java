package dev.hostel.gateway.releases;

/** A release refused: a bad archive (400), or one over the site's disk quota (507). Nothing was kept of it. */
public final class ReleaseException extends Exception {
    private final int status;

    public ReleaseException(int status, String message) {
        super(message);
        this.status = status;
    }

    /** The admin API's status for it: 400 for a bad archive, 507 for a quota. */
    public int status() {
        return status;
    }
}
