package dev.hostel.runner;

import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.python.core.Py;
import org.python.core.PyList;
import org.python.core.PyObject;
import org.python.core.PyTuple;

/**
 * A spare runner's rehearsal: two requests (a GET, and a POST with a body) through a throw-away server and a
 * built-in app, so that the site's first real request finds the HTTP codec, the WSGI adapter and Jython's call
 * path loaded, initialized and compiled. Measured, it takes about 0.1 s off that first request, which is most of
 * what is left of a cold start once the JVM and Jython are up.
 *
 * <p>The app is written in Java against Jython's object model, not in Python: compiling Python source here would
 * load Jython's compiler into every spare, memory a site whose modules are already compiled never needs.
 */
final class WarmUp {
    /** A stuck rehearsal must not keep the spare from the pool: past this, the spare goes on without it. */
    static final Duration LIMIT = Duration.ofSeconds(5);

    private WarmUp() {
    }

    /** Rehearses on a socket in {@code dir}; failures are logged and otherwise ignored, since this is only speed. */
    static void run(Path dir) {
        Thread rehearsal = new Thread(() -> rehearse(dir), "hostel-warm-up");
        rehearsal.setDaemon(true);
        rehearsal.start();
        try {
            rehearsal.join(LIMIT.toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        if (rehearsal.isAlive()) {
            Log.info("warm-up requests took longer than " + LIMIT.toSeconds() + " s; going on without them");
        }
    }

    private static void rehearse(Path dir) {
        Path socket = dir.resolve("hostel-warm-up-" + ProcessHandle.current().pid() + ".sock");
        RunnerServer server = new RunnerServer(socket, JythonApp.of("warm-up", new EchoApp()), 2);
        try {
            server.start();
            try (SocketChannel get = connect(socket); SocketChannel post = connect(socket)) {
                // Connected, the socket file has done its job: gone now, a spare killed later leaves nothing in /tmp.
                Files.deleteIfExists(socket);
                request(get, "GET /warm-up?a=1 HTTP/1.1\r\nHost: warm-up\r\nConnection: close\r\n\r\n");
                request(post, "POST /warm-up HTTP/1.1\r\nHost: warm-up\r\nContent-Length: 5\r\n"
                        + "Connection: close\r\n\r\nhello");
            }
        } catch (IOException e) {
            Log.info("warm-up requests skipped (" + e.getMessage() + "); the first request will be slower");
        } finally {
            server.stop(Duration.ZERO);
        }
    }

    private static SocketChannel connect(Path socket) throws IOException {
        SocketChannel channel = SocketChannel.open(StandardProtocolFamily.UNIX);
        try {
            channel.connect(UnixDomainSocketAddress.of(socket));
            return channel;
        } catch (IOException e) {
            channel.close();
            throw e;
        }
    }

    /** Sends one request and reads the response to the end (the request asked to close). */
    private static void request(SocketChannel channel, String request) throws IOException {
        channel.write(ByteBuffer.wrap(request.getBytes(StandardCharsets.ISO_8859_1)));
        ByteBuffer buffer = ByteBuffer.allocate(4096);
        while (channel.read(buffer) >= 0) {
            buffer.clear();
        }
    }

    /** {@code ok} and the request body, with a Content-Length: what a small app does. */
    private static final class EchoApp extends PyObject {
        @Override
        public PyObject __call__(PyObject environ, PyObject startResponse) {
            PyObject body = environ.__getitem__(Py.newString("wsgi.input")).invoke("read");
            PyObject headers = new PyList(new PyObject[] {
                new PyTuple(Py.newString("Content-Type"), Py.newString("text/plain")),
                new PyTuple(Py.newString("Content-Length"), Py.newString(Integer.toString(body.__len__() + 2))),
            });
            startResponse.__call__(Py.newString("200 OK"), headers);
            return new PyList(new PyObject[] {Py.newString("ok"), body});
        }
    }
}
