package dev.hostel.gateway.supervisor;

/** Where a runner process is in its life: {@code STARTING -> READY -> DRAINING -> STOPPED}, or {@code FAILED}. */
public enum RunnerState {
    /** Launched; Jython is booting and importing the app. Requests for it wait. */
    STARTING,
    /** Listening on its socket; takes new requests. */
    READY,
    /** Takes no new requests; finishes those in flight, then stops. */
    DRAINING,
    /** Exited after a stop was asked for. */
    STOPPED,
    /** Exited on its own, was killed, or never became ready. */
    FAILED;

    public boolean isAlive() {
        return this == STARTING || this == READY || this == DRAINING;
    }
}
