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

    /**
     * Sends {@code request} and returns the status of the first answer, read as far as the end of its head: a
     * connection kept alive is not waited out, and a slow answer on a busy machine is waited for (60 s).
     */
    static int firstStatus(int port, String request) throws IOException {
        try (Socket socket = new Socket("127.0.0.1", port)) {
            socket.setSoTimeout(60_000);
            socket.getOutputStream().write(request.getBytes(StandardCharsets.ISO_8859_1));
            socket.getOutputStream().flush();
            InputStream in = socket.getInputStream();
            StringBuilder head = new StringBuilder();
            int c;
            while (head.indexOf("\r\n\r\n") < 0 && (c = in.read()) != -1) {
                head.append((char) c);
            }
            return status(head.toString());
        }
    }

    /** The status code of the first response in {@code raw}. */
    static int status(String raw) {
        return Integer.parseInt(raw.substring(9, 12));
    }
}
