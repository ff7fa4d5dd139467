package dev.hostel.runner;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelPromise;
import io.netty.channel.DefaultFileRegion;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.DefaultHttpContent;
import io.netty.handler.codec.http.DefaultLastHttpContent;
import io.netty.handler.codec.http.DefaultHttpResponse;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.LastHttpContent;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.function.BooleanSupplier;
import org.python.core.Py;
import org.python.core.PyObject;
import org.python.core.PyString;
import org.python.core.PyUnicode;

/**
 * Writes one WSGI response from the worker thread: the head once, before the first non-empty body
 * chunk (or at the end if there is none), then the body with back-pressure.
 *
 * <p>Framing (RFC 9112 section 6): the application's {@code Content-Length} is kept and never
 * exceeded (extra bytes are dropped and logged; a short body aborts the connection, since the
 * framing is broken); without one, a body known up front (a list) gets its length, an empty body
 * gets {@code Content-Length: 0}, anything else is chunked for HTTP/1.1 and close-delimited for
 * HTTP/1.0. HEAD, 1xx, 204 and 304 responses carry no body.
 *
 * <p>Back-pressure: each chunk is written and flushed; when the channel is then not writable the
 * worker waits for that write to reach the socket before producing the next chunk, so a 1 GB
 * download never sits in memory. When the gateway closes the connection, {@link #write} returns
 * false and the caller stops iterating.
 *
 * <p>Once the last byte of the response is written, nothing more is: the gateway may already be
 * sending the next request on this connection, which another worker will answer.
 */
final class ResponseWriter {
    /** The most bytes of a response handed to the event loop at once: what one write may hold in direct memory. */
    static final int PIECE = 1024 * 1024;
    private static final byte[] ERROR_BODY = "Internal Server Error\n".getBytes(StandardCharsets.US_ASCII);

    private final ChannelHandlerContext ctx;
    private final Channel channel;
    private final String requestLine;
    private final boolean http11;
    private final boolean head;
    private final BooleanSupplier draining;
    private boolean keepAlive;

    private HttpResponseStatus status;
    private HttpHeaders headers;
    private long contentLength = -1;
    private long lengthHint = -1;

    private boolean headersSent;
    /** The head, held back to go to the event loop with the first piece of body, in one task. */
    private HttpResponse pendingHead;
    private boolean ended;
    private boolean bodyAllowed;
    private boolean clientGone;
    private boolean overflowLogged;
    private long sent;

    ResponseWriter(ChannelHandlerContext ctx, HttpRequest request, BooleanSupplier draining) {
        this.ctx = ctx;
        this.channel = ctx.channel();
        this.requestLine = request.method() + " " + request.uri();
        this.http11 = request.protocolVersion().equals(HttpVersion.HTTP_1_1);
        this.head = request.method().equals(HttpMethod.HEAD);
        this.keepAlive = HttpUtil.isKeepAlive(request);
        this.draining = draining;
    }

    /** Sets (or, with exc_info, replaces) the status and headers; {@code contentLength} is -1 if absent. */
    void setHead(HttpResponseStatus status, HttpHeaders headers, long contentLength) {
        this.status = status;
        this.headers = headers;
        this.contentLength = contentLength;
    }

    boolean hasHead() {
        return status != null;
    }

    boolean headersSent() {
        return headersSent;
    }

    /** Whether the gateway went away (or the connection was aborted) during this response. */
    boolean clientGone() {
        return clientGone;
    }

    /** The whole body's length when the application returned a list or tuple, used if it gave none. */
    void lengthHint(long length) {
        this.lengthHint = length;
    }

    /** "GET /path?query", for log lines. */
    String requestLine() {
        return requestLine;
    }

    /**
     * Writes one body chunk, waiting while the connection cannot take more.
     *
     * @return false when no more body is wanted: the client is gone, the request was HEAD (or the
     *     status has no body), or the application went past its {@code Content-Length}
     * @throws org.python.core.PyException {@code TypeError} for a chunk that is not a byte str,
     *     {@code AssertionError} before {@code start_response}
     */
    boolean write(PyObject data) {
        return writeAll(List.of(data));
    }

    /**
     * Writes chunks that all exist already (a list or tuple the application returned) as if each were given to
     * {@link #write}, but gathered: their bytes go into buffers of up to {@link #PIECE} bytes, each one write and
     * flush, rather than one hand-off to the event loop and one wait for the socket per chunk. PEP 3333 forbids
     * delaying a block only while the application is still producing the next; here it has produced them all.
     */
    boolean writeAll(List<PyObject> data) {
        List<String> chunks = new ArrayList<>(data.size());
        long length = 0;
        for (PyObject chunk : data) {
            if (!(chunk instanceof PyString) || chunk instanceof PyUnicode) {
                throw Py.TypeError("WSGI response data must be byte strings (str), not "
                        + chunk.getType().fastGetName());
            }
            String text = ((PyString) chunk).getString();
            chunks.add(text);
            length += text.length();
        }
        if (status == null) {
            throw Py.AssertionError("write() before start_response()");
        }
        if (clientGone) {
            return false;
        }
        if (length == 0) {
            return true;
        }
        if (!headersSent) {
            sendHeaders(false);
        }
        if (!bodyAllowed) {
            return false;
        }
        boolean more = true;
        if (contentLength >= 0 && length > contentLength - sent) {
            length = contentLength - sent;
            more = false;
            if (!overflowLogged) {
                overflowLogged = true;
                Log.info(requestLine + ": the application sent more than its Content-Length of "
                        + contentLength + " bytes; the rest is dropped");
            }
            if (length == 0) {
                return false;
            }
        }
        Latin1Pieces pieces = new Latin1Pieces(chunks, length, PIECE);
        for (ByteBuf piece; (piece = pieces.next(ctx.alloc())) != null; ) {
            sent += piece.readableBytes();
            // The piece that completes a Content-Length ends the response: the gateway may send its next
            // request as soon as it has it, so nothing may be written on this connection after it.
            boolean last = sent == contentLength;
            ChannelFuture written = send(last ? new DefaultLastHttpContent(piece) : new DefaultHttpContent(piece));
            if (last) {
                ended(written);
            }
            if (!channel.isWritable()) {
                awaitFlushed(written);
            }
            if (!channel.isActive()) {
                pieces.discard();
                clientGone = true;
                return false;
            }
        }
        return more;
    }

    /**
     * Writes the bytes of {@code file} (a file the application opened) as the body, sent by the transport from
     * the file itself, and waits until they are written: the application's {@code close()}, which closes the
     * file, comes after this. An application's {@code Content-Length} shorter than the file sends that many.
     *
     * @return false when no more body is wanted (as {@link #write})
     */
    boolean writeFile(FileWrapper.FileBody file) {
        if (status == null) {
            throw Py.AssertionError("write() before start_response()");
        }
        if (clientGone) {
            return false;
        }
        long count = file.count();
        if (count == 0) {
            return true;
        }
        if (!headersSent) {
            sendHeaders(false);
        }
        if (!bodyAllowed) {
            return false;
        }
        if (contentLength >= 0) {
            count = Math.min(count, contentLength - sent);
        }
        sent += count;
        boolean last = sent == contentLength;
        DefaultFileRegion region = file.region(count);
        ChannelFuture written = last ? send(region, LastHttpContent.EMPTY_LAST_CONTENT) : send(region);
        if (last) {
            ended(written);
        }
        awaitFlushed(written);
        if (!channel.isActive() || !written.isSuccess()) {
            clientGone = true;
            return false;
        }
        return true;
    }

    /**
     * Ends a successful response: sends the head if no body chunk did, then the end of the body.
     *
     * @throws org.python.core.PyException {@code AssertionError} if {@code start_response} was never called
     */
    void finish() {
        if (clientGone || ended) {
            return;
        }
        if (!headersSent) {
            if (status == null) {
                throw Py.AssertionError("the application returned without calling start_response()");
            }
            sendHeaders(true);
        }
        if (bodyAllowed && contentLength >= 0 && sent < contentLength) {
            Log.info(requestLine + ": the application sent " + sent + " bytes of its Content-Length of "
                    + contentLength + "; closing the connection");
            abort();
            return;
        }
        ended(send(LastHttpContent.EMPTY_LAST_CONTENT));
    }

    /**
     * Writes and flushes {@code message} from the worker thread, with the held-back head before it if there is
     * one: both in a single task for the event loop, since each write from another thread is a task and a
     * wake-up of its own, and for small responses those hand-offs cost more than the app.
     */
    private ChannelFuture send(Object... messages) {
        HttpResponse head = pendingHead;
        pendingHead = null;
        if (head == null && messages.length == 1) {
            return ctx.writeAndFlush(messages[0]);
        }
        ChannelPromise promise = ctx.newPromise();
        ctx.executor().execute(() -> {
            if (head != null) {
                ctx.write(head);
            }
            for (int i = 0; i < messages.length - 1; i++) {
                ctx.write(messages[i], ctx.voidPromise());
            }
            ctx.writeAndFlush(messages[messages.length - 1], promise);
        });
        return promise;
    }

    /** The response is complete on the wire; close after it unless the connection is kept alive. */
    private void ended(ChannelFuture last) {
        ended = true;
        if (!keepAlive) {
            last.addListener(ChannelFutureListener.CLOSE);
        }
    }

    /**
     * Ends a failed response: logs the traceback, then sends a bare 500 if the head was not sent,
     * otherwise closes the connection so the gateway sees a truncated response.
     */
    void fail(Throwable failure) {
        if (clientGone || !channel.isActive()) {
            // The application most likely failed because its client went away; nothing to answer.
            clientGone = true;
            return;
        }
        Log.traceback(requestLine + ": the WSGI application raised an exception", failure);
        if (ended) {
            // The whole response went out (e.g. close() raised): the connection is still good.
            return;
        }
        if (headersSent) {
            abort();
            return;
        }
        headersSent = true;
        FullHttpResponse response = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1,
                HttpResponseStatus.INTERNAL_SERVER_ERROR, Unpooled.wrappedBuffer(ERROR_BODY));
        response.headers()
                .set(HttpHeaderNames.CONTENT_TYPE, HttpHeaderValues.TEXT_PLAIN)
                .setInt(HttpHeaderNames.CONTENT_LENGTH, ERROR_BODY.length);
        keepAlive &= !draining.getAsBoolean();
        HttpUtil.setKeepAlive(response.headers(), http11 ? HttpVersion.HTTP_1_1 : HttpVersion.HTTP_1_0, keepAlive);
        ended(ctx.writeAndFlush(response));
    }

    private void sendHeaders(boolean complete) {
        int code = status.code();
        boolean bodyless = code < 200 || code == 204 || code == 304;
        bodyAllowed = !head && !bodyless;
        if (!bodyless && contentLength < 0) {
            if (lengthHint >= 0) {
                contentLength = lengthHint;
            } else if (complete && !head) {
                contentLength = 0;
            }
            if (contentLength >= 0) {
                headers.set(HttpHeaderNames.CONTENT_LENGTH, contentLength);
            } else if (head) {
                // The length of a body we did not produce is unknown: say nothing (RFC 9110 9.3.2).
            } else if (http11) {
                headers.set(HttpHeaderNames.TRANSFER_ENCODING, HttpHeaderValues.CHUNKED);
            } else {
                keepAlive = false;
            }
        }
        keepAlive &= !draining.getAsBoolean();
        HttpUtil.setKeepAlive(headers, http11 ? HttpVersion.HTTP_1_1 : HttpVersion.HTTP_1_0, keepAlive);
        HttpResponse response = new DefaultHttpResponse(HttpVersion.HTTP_1_1, status, headers);
        headersSent = true;
        pendingHead = response;
    }

    private void awaitFlushed(ChannelFuture written) {
        try {
            written.await();
        } catch (InterruptedException e) {
            // The pool is being shut down past the drain timeout: give up on this response.
            Thread.currentThread().interrupt();
            abort();
        }
    }

    private void abort() {
        clientGone = true;
        channel.close();
    }
}
