package dev.hostel.runner;

/** The site's WSGI application could not be loaded; the message is written for the operator. */
public final class AppLoadException extends Exception {
    private static final long serialVersionUID = 1L;

    AppLoadException(String message) {
        super(message);
    }
}
