package dev.hostel.gateway.e2e;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;

/**
 * A plain TCP client for what HTTP client libraries will not send: pipelined requests, path traversal
 * attempts, malformed requests. Reads until the server closes or the timeout passes.
 */
final class RawHttp {
    private RawHttp() {
    }

    static String exchange(int port, String request, int timeoutMillis) throws IOException {
        try (Socket socket = new Socket("127.0.0.1", port)) {
            socket.setSoTimeout(timeoutMillis);
            socket.getOutputStream().write(request.getBytes(StandardCharsets.ISO_8859_1));
            socket.getOutputStream().flush();
            InputStream in = socket.getInputStream();
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            byte[] buf = new byte[8192];
            try {
                int n;
                while ((n = in.read(buf)) != -1) {
                    out.write(buf, 0, n);
                }
            } catch (java.net.SocketTimeoutException e) {
                // the connection stayed open (keep-alive): what arrived so far is the answer
            }
            return out.toString(StandardCharsets.ISO_8859_1);
        }
    }

    /** The status code of the first response in {@code raw}. */
    static int status(String raw) {
        return Integer.parseInt(raw.substring(9, 12));
    }
}
