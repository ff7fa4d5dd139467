package dev.hostel.gateway.server;

/**
 * Told once about every answered request, on the connection's event loop: the access log and the request
 * metrics hang here. Must be quick and must not block (hand any I/O to another thread).
 */
@FunctionalInterface
public interface RequestObserver {
    RequestObserver NONE = record -> { };

    void completed(RequestRecord record);
}
