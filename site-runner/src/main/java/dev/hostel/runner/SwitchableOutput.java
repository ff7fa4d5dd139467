package dev.hostel.runner;

import java.io.IOException;
import java.io.OutputStream;

/**
 * An output stream whose destination can be changed once it is in use: a spare runner's {@code System.err}.
 *
 * <p>Everything in the JVM that captures {@code System.err} when it starts (Jython's {@code sys.stderr}, a
 * {@code java.util.logging} console handler) keeps the stream object, not the file; by making that object this
 * one, the spare moves all of it from the spare pool's log to the site's log with one {@link #switchTo} when it
 * is claimed, with no Python-side file juggling and the encodings Jython chose left as they are.
 */
final class SwitchableOutput extends OutputStream {
    private volatile OutputStream target;

    SwitchableOutput(OutputStream initial) {
        this.target = initial;
    }

    /** Sends everything written from now on to {@code next}; the previous target is flushed, not closed. */
    synchronized void switchTo(OutputStream next) throws IOException {
        OutputStream previous = target;
        target = next;
        previous.flush();
    }

    @Override
    public void write(int b) throws IOException {
        target.write(b);
    }

    @Override
    public void write(byte[] b, int off, int len) throws IOException {
        target.write(b, off, len);
    }

    @Override
    public void flush() throws IOException {
        target.flush();
    }
}
