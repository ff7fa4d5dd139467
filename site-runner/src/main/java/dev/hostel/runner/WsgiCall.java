package dev.hostel.runner;

import io.netty.handler.codec.http.HttpRequest;
import java.util.ArrayList;
import java.util.List;
import org.python.core.PyList;
import org.python.core.PyObject;
import org.python.core.PyString;
import org.python.core.PyTuple;
import org.python.core.PyUnicode;

/**
 * Runs one request on a worker thread: {@code app(environ, start_response)}, iteration over the
 * result, and the result's {@code close()}, which is always called once the application returned
 * one, whether the iteration finished, raised, or stopped because the client went away.
 *
 * <p>{@code close()} runs before a chunked response's last chunk is written, so the gateway sees
 * the end of a streamed response only after the application's clean-up; a response with a
 * {@code Content-Length} is complete as soon as its last byte is written.
 */
final class WsgiCall implements Runnable {
    private final JythonApp app;
    private final HttpRequest request;
    private final RequestBody body;
    private final ResponseWriter writer;

    WsgiCall(JythonApp app, HttpRequest request, RequestBody body, ResponseWriter writer) {
        this.app = app;
        this.request = request;
        this.body = body;
        this.writer = writer;
    }

    @Override
    public void run() {
        try {
            Throwable failure = serve();
            if (failure != null) {
                writer.fail(failure);
            }
        } catch (Throwable unexpected) {
            Log.traceback(writer.requestLine() + ": failed to write the response", unexpected);
        } finally {
            body.abandon();
        }
    }

    /** Calls the application and streams its response; returns what went wrong, if anything. */
    private Throwable serve() {
        PyObject result = null;
        Throwable failure = null;
        try {
            PyObject environ = Environ.build(request, new WsgiInput(body), app);
            result = app.callable().__call__(environ, new StartResponse(writer));
            FileWrapper.FileBody file = result instanceof FileWrapper.Wrapped wrapped ? wrapped.body() : null;
            long length = file != null ? file.count() : knownLength(result);
            writer.lengthHint(length);
            if (file != null) {
                // A regular file: its bytes go from the file to the socket, not through Jython.
                writer.writeFile(file);
            } else if (length >= 0) {
                // All of the body exists already: written gathered, not one hand-off per chunk.
                List<PyObject> chunks = new ArrayList<>();
                result.asIterable().forEach(chunks::add);
                writer.writeAll(chunks);
            } else {
                PyObject iterator = result.__iter__();
                for (PyObject chunk; (chunk = iterator.__iternext__()) != null; ) {
                    if (!writer.write(chunk)) {
                        break;
                    }
                }
            }
        } catch (Throwable e) {
            failure = e;
        }
        if (result != null) {
            failure = close(result, failure);
        }
        if (failure == null) {
            try {
                writer.finish();
            } catch (Throwable e) {
                failure = e;
            }
        }
        return failure;
    }

    private Throwable close(PyObject result, Throwable failure) {
        try {
            PyObject close = result.__findattr__("close");
            if (close != null) {
                close.__call__();
            }
            return failure;
        } catch (Throwable e) {
            if (failure == null) {
                return e;
            }
            Log.traceback(writer.requestLine() + ": close() of the response raised as well", e);
            return failure;
        }
    }

    /** The total length of a list or tuple of byte strings, else -1 (then the body is chunked). */
    private static long knownLength(PyObject result) {
        if (!(result instanceof PyList) && !(result instanceof PyTuple)) {
            return -1;
        }
        long length = 0;
        for (PyObject chunk : result.asIterable()) {
            if (!(chunk instanceof PyString) || chunk instanceof PyUnicode) {
                return -1;
            }
            length += ((PyString) chunk).getString().length();
        }
        return length;
    }
}
