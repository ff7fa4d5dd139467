package dev.hostel.runner;

/**
 * The site's WSGI application could not be loaded; the message is written for the operator, the summary is one
 * line for the gateway ({@code SyntaxError: invalid syntax (app.py, line 3)}), which reports it.
 */
public final class AppLoadException extends Exception {
    private static final long serialVersionUID = 1L;
    private final String summary;

    AppLoadException(String summary, String message) {
        super(message);
        this.summary = summary.replaceAll("\\s+", " ").strip();
    }

    /** What went wrong in one line, starting with the kind of error ({@code ImportError: ...}). */
    public String summary() {
        return summary;
    }
}
