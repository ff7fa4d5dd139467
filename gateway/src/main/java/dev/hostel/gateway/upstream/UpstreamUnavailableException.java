package dev.hostel.gateway.upstream;

/** No runner could take the request in time (still starting, queue full): the client gets 503. */
public final class UpstreamUnavailableException extends Exception {
    public UpstreamUnavailableException(String message) {
        super(message, null, false, false);
    }
}
