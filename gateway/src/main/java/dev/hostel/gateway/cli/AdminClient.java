package dev.hostel.gateway.cli;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.Channels;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Locale;

/**
 * A minimal HTTP/1.1 client of the admin socket, with the JDK's Unix domain sockets: one request per connection
 * ({@code Connection: close}), the answer read to the end of its {@code Content-Length}. Enough for {@code hostel
 * ctl}, and a real client for the end-to-end tests.
 */
public final class AdminClient {
    private final Path socket;

    public AdminClient(Path socket) {
        this.socket = socket;
    }

    /** The admin socket could not be reached: no Hostel there, or not ours to talk to. */
    public static final class CannotConnectException extends IOException {
        private static final long serialVersionUID = 1L;

        CannotConnectException(String message, IOException cause) {
            super(message, cause);
        }
    }

    /**
     * An answer of the admin API.
     *
     * @param printed what ctl prints, when the request asked for it ({@code ?format=text|json}), else null
     */
    public record Response(int status, String contentType, String body, Printed printed) {
        public boolean ok() {
            return status >= 200 && status < 300;
        }
    }

    /** What {@code hostel ctl} prints for an answer, as the gateway rendered it: standard output, error, exit code. */
    public record Printed(String out, String err, int exit) {
    }

    public Response get(String path) throws IOException {
        return send("GET", path, null, null);
    }

    /**
     * Sends one request and reads the whole answer.
     *
     * @param contentType the body's type, or null without a body
     * @throws CannotConnectException when nothing answers on the socket
     */
    public Response send(String method, String path, String contentType, String body) throws IOException {
        SocketChannel channel;
        try {
            channel = SocketChannel.open(StandardProtocolFamily.UNIX);
        } catch (IOException e) {
            throw new CannotConnectException("this platform has no Unix domain sockets", e);
        }
        try (channel) {
            try {
                channel.connect(UnixDomainSocketAddress.of(socket));
            } catch (IOException e) {
                throw new CannotConnectException(e.getMessage(), e);
            }
            byte[] content = body == null ? new byte[0] : body.getBytes(StandardCharsets.UTF_8);
            StringBuilder head = new StringBuilder()
                    .append(method).append(' ').append(path).append(" HTTP/1.1\r\n")
                    .append("Host: localhost\r\n")
                    .append("User-Agent: hostel-ctl\r\n")
                    .append("Accept: application/json\r\n")
                    .append("Connection: close\r\n");
            if (contentType != null) {
                head.append("Content-Type: ").append(contentType).append("\r\n");
            }
            if (body != null || "PUT".equals(method) || "POST".equals(method)) {
                head.append("Content-Length: ").append(content.length).append("\r\n");
            }
            head.append("\r\n");
            write(channel, head.toString().getBytes(StandardCharsets.ISO_8859_1));
            write(channel, content);
            return parse(readAll(channel));
        }
    }

    /** Writes a request body. */
    @FunctionalInterface
    public interface Body {
        void writeTo(OutputStream out) throws IOException;
    }

    /**
     * Sends one request whose body is streamed in chunks ({@code Transfer-Encoding: chunked}) as {@code body}
     * writes it, so that an archive of any size, or one read from a pipe, is never held in memory; reads the
     * whole answer.
     */
    public Response stream(String method, String path, String contentType, Body body) throws IOException {
        SocketChannel channel;
        try {
            channel = SocketChannel.open(StandardProtocolFamily.UNIX);
            channel.connect(UnixDomainSocketAddress.of(socket));
        } catch (IOException e) {
            throw new CannotConnectException(e.getMessage(), e);
        }
        try (channel) {
            String head = method + " " + path + " HTTP/1.1\r\nHost: localhost\r\nUser-Agent: hostel-ctl\r\n"
                    + "Accept: application/json\r\nConnection: close\r\nContent-Type: " + contentType + "\r\n"
                    + "Transfer-Encoding: chunked\r\n\r\n";
            write(channel, head.getBytes(StandardCharsets.ISO_8859_1));
            OutputStream out = Channels.newOutputStream(channel);
            try (OutputStream chunks = new ChunkedOutputStream(out)) {
                body.writeTo(chunks);
            }
            return parse(readAll(channel));
        }
    }

    /** HTTP/1.1 chunked coding: each write a chunk, {@code close} the last (empty) chunk; the channel stays open. */
    private static final class ChunkedOutputStream extends OutputStream {
        private final OutputStream out;

        ChunkedOutputStream(OutputStream out) {
            this.out = out;
        }

        @Override
        public void write(int b) throws IOException {
            write(new byte[] {(byte) b}, 0, 1);
        }

        @Override
        public void write(byte[] b, int off, int len) throws IOException {
            if (len == 0) {
                return;
            }
            out.write((Integer.toHexString(len) + "\r\n").getBytes(StandardCharsets.ISO_8859_1));
            out.write(b, off, len);
            out.write(CRLF);
        }

        @Override
        public void close() throws IOException {
            out.write("0\r\n\r\n".getBytes(StandardCharsets.ISO_8859_1));
            out.flush();
        }

        private static final byte[] CRLF = {'\r', '\n'};
    }

    private static void write(SocketChannel channel, byte[] bytes) throws IOException {
        ByteBuffer buffer = ByteBuffer.wrap(bytes);
        while (buffer.hasRemaining()) {
            channel.write(buffer);
        }
    }

    private static byte[] readAll(SocketChannel channel) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteBuffer buffer = ByteBuffer.allocate(16 * 1024);
        while (channel.read(buffer) >= 0) {
            buffer.flip();
            out.write(buffer.array(), 0, buffer.limit());
            buffer.clear();
        }
        return out.toByteArray();
    }

    /** Status line, headers, and a body as long as {@code Content-Length} says (or up to the end). */
    static Response parse(byte[] raw) throws IOException {
        String text = new String(raw, StandardCharsets.ISO_8859_1);
        int end = text.indexOf("\r\n\r\n");
        if (!text.startsWith("HTTP/1.") || end < 0) {
            throw new IOException("not an HTTP response from the admin socket: "
                    + text.substring(0, Math.min(80, text.length())));
        }
        String[] lines = text.substring(0, end).split("\r\n");
        int status = Integer.parseInt(lines[0].split(" ")[1]);
        String contentType = "";
        int length = raw.length - end - 4;
        int stdout = -1;
        int exit = -1;
        for (int i = 1; i < lines.length; i++) {
            int colon = lines[i].indexOf(':');
            if (colon < 0) {
                continue;
            }
            String name = lines[i].substring(0, colon).trim().toLowerCase(Locale.ROOT);
            String value = lines[i].substring(colon + 1).trim();
            if (name.equals("content-type")) {
                contentType = value;
            } else if (name.equals("content-length")) {
                length = Math.min(length, Integer.parseInt(value));
            } else if (name.equals("hostel-ctl-stdout")) {
                stdout = Integer.parseInt(value);
            } else if (name.equals("hostel-ctl-exit")) {
                exit = Integer.parseInt(value);
            }
        }
        String body = new String(raw, end + 4, length, StandardCharsets.UTF_8);
        Printed printed = stdout < 0 || exit < 0 || stdout > length ? null : new Printed(
                new String(raw, end + 4, stdout, StandardCharsets.UTF_8),
                new String(raw, end + 4 + stdout, length - stdout, StandardCharsets.UTF_8), exit);
        return new Response(status, contentType, body, printed);
    }
}
