package dev.hostel.runner;

import java.io.ByteArrayOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * A deliberately plain HTTP/1.1 client over a Unix socket, for tests: it writes raw requests and
 * parses responses itself, so the tests see the framing on the wire (chunked or not, truncated or
 * not). Reads and writes may run on two threads at once.
 */
final class UdsClient implements AutoCloseable {
    private final SocketChannel channel;
    private final ByteBuffer in = ByteBuffer.allocate(64 * 1024).flip();

    private UdsClient(SocketChannel channel) {
        this.channel = channel;
    }

    static UdsClient connect(Path socket) throws IOException {
        SocketChannel channel = SocketChannel.open(StandardProtocolFamily.UNIX);
        channel.connect(UnixDomainSocketAddress.of(socket));
        return new UdsClient(channel);
    }

    /** Whether something accepts connections on {@code socket}. */
    static boolean accepts(Path socket) {
        try (SocketChannel channel = SocketChannel.open(StandardProtocolFamily.UNIX)) {
            return channel.connect(UnixDomainSocketAddress.of(socket));
        } catch (IOException e) {
            return false;
        }
    }

    /** One request with an optional body (sent with Content-Length) and its response. */
    Response request(String method, String target, byte[] body, String... headers) throws IOException {
        StringBuilder head = new StringBuilder(method + " " + target + " HTTP/1.1\r\n");
        boolean host = false;
        for (String header : headers) {
            head.append(header).append("\r\n");
            host |= header.toLowerCase(Locale.ROOT).startsWith("host:");
        }
        if (!host) {
            head.append("Host: localhost\r\n");
        }
        if (body != null) {
            head.append("Content-Length: ").append(body.length).append("\r\n");
        }
        head.append("\r\n");
        send(head.toString().getBytes(StandardCharsets.ISO_8859_1));
        if (body != null) {
            send(body);
        }
        return readResponse(method.equals("HEAD"));
    }

    Response get(String target, String... headers) throws IOException {
        return request("GET", target, null, headers);
    }

    void send(String text) throws IOException {
        send(text.getBytes(StandardCharsets.ISO_8859_1));
    }

    void send(byte[] bytes) throws IOException {
        ByteBuffer out = ByteBuffer.wrap(bytes);
        while (out.hasRemaining()) {
            channel.write(out);
        }
    }

    /** Sends {@code data} as one chunk of a chunked request body. */
    void sendChunk(byte[] data) throws IOException {
        send(Integer.toHexString(data.length) + "\r\n");
        send(data);
        send("\r\n");
    }

    /** Reads one response; a connection closed mid-body gives {@code complete == false}. */
    Response readResponse(boolean head) throws IOException {
        String statusLine = readLine();
        if (statusLine == null) {
            throw new EOFException("connection closed before a response");
        }
        String[] status = statusLine.split(" ", 3);
        Map<String, List<String>> headers = new LinkedHashMap<>();
        for (String line; !(line = readLine()).isEmpty(); ) {
            int colon = line.indexOf(':');
            headers.computeIfAbsent(line.substring(0, colon).trim().toLowerCase(Locale.ROOT), k -> new ArrayList<>())
                    .add(line.substring(colon + 1).trim());
        }
        Response partial = new Response(status[0], Integer.parseInt(status[1]), status.length > 2 ? status[2] : "",
                headers, new byte[0], false, true);
        ByteArrayOutputStream body = new ByteArrayOutputStream();
        boolean complete = true;
        int code = partial.status();
        if (head || code < 200 || code == 204 || code == 304) {
            return partial;
        }
        boolean chunked = "chunked".equalsIgnoreCase(partial.header("transfer-encoding"));
        if (chunked) {
            complete = readChunks(body);
        } else if (partial.header("content-length") != null) {
            complete = readExactly(body, Long.parseLong(partial.header("content-length")));
        } else {
            while (readByte(body)) {
                // until the server closes
            }
        }
        return new Response(status[0], code, partial.reason(), headers, body.toByteArray(), chunked, complete);
    }

    /** Reads and throws away {@code n} body bytes, for clients that leave early. */
    void skip(int n) throws IOException {
        ByteArrayOutputStream sink = new ByteArrayOutputStream();
        readExactly(sink, n);
    }

    /** Whether the server closed the connection (EOF within {@code millis}). */
    boolean closedByServer(long millis) throws IOException {
        channel.configureBlocking(false);
        try {
            long deadline = System.currentTimeMillis() + millis;
            while (System.currentTimeMillis() < deadline) {
                if (!in.hasRemaining()) {
                    in.clear();
                    int n = channel.read(in);
                    in.flip();
                    if (n < 0) {
                        return true;
                    }
                }
                try {
                    Thread.sleep(10);
                } catch (InterruptedException e) {
                    throw new IOException(e);
                }
            }
            return false;
        } finally {
            channel.configureBlocking(true);
        }
    }

    private boolean readChunks(ByteArrayOutputStream body) throws IOException {
        while (true) {
            String size = readLine();
            if (size == null) {
                return false;
            }
            int length = Integer.parseInt(size.split(";")[0].trim(), 16);
            if (length == 0) {
                while (true) {
                    String trailer = readLine();
                    if (trailer == null) {
                        return false;
                    }
                    if (trailer.isEmpty()) {
                        return true;
                    }
                }
            }
            if (!readExactly(body, length) || readLine() == null) {
                return false;
            }
        }
    }

    private boolean readExactly(ByteArrayOutputStream body, long length) throws IOException {
        long left = length;
        while (left > 0) {
            if (!fill()) {
                return false;
            }
            int n = (int) Math.min(in.remaining(), left);
            body.write(in.array(), in.position(), n);
            in.position(in.position() + n);
            left -= n;
        }
        return true;
    }

    private boolean readByte(ByteArrayOutputStream body) throws IOException {
        if (!fill()) {
            return false;
        }
        body.write(in.array(), in.position(), in.remaining());
        in.position(in.limit());
        return true;
    }

    /** A CRLF-terminated line without its CRLF, or null at EOF. */
    private String readLine() throws IOException {
        StringBuilder line = new StringBuilder();
        while (true) {
            if (!fill()) {
                return line.length() == 0 ? null : line.toString();
            }
            char c = (char) (in.get() & 0xFF);
            if (c == '\n') {
                int end = line.length();
                return end > 0 && line.charAt(end - 1) == '\r' ? line.substring(0, end - 1) : line.toString();
            }
            line.append(c);
        }
    }

    private boolean fill() throws IOException {
        if (in.hasRemaining()) {
            return true;
        }
        in.clear();
        int n;
        try {
            n = channel.read(in);
        } catch (IOException e) {
            n = -1;
            if (Thread.currentThread().isInterrupted()) {
                throw e;
            }
        }
        in.flip();
        return n > 0;
    }

    @Override
    public void close() throws IOException {
        channel.close();
    }

    /** A parsed response; header names are lower case. */
    record Response(String version, int status, String reason, Map<String, List<String>> headers, byte[] body,
                    boolean chunked, boolean complete) {
        String header(String name) {
            List<String> values = headers.get(name.toLowerCase(Locale.ROOT));
            return values == null ? null : values.get(0);
        }

        String text() {
            return new String(body, StandardCharsets.ISO_8859_1);
        }
    }
}
