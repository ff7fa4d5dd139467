package dev.hostel.runner;

import io.netty.channel.DefaultFileRegion;
import java.io.IOException;
import java.nio.channels.FileChannel;
import org.python.core.ArgParser;
import org.python.core.Py;
import org.python.core.PyFile;
import org.python.core.PyObject;
import org.python.core.io.FileIO;

/**
 * {@code wsgi.file_wrapper} (PEP 3333, "Optional Platform-Specific File Handling"):
 * {@code environ['wsgi.file_wrapper'](filelike, blksize=8192)} returns an iterable over the file's blocks with a
 * {@code close()} that closes the file. When {@code filelike} is a regular file opened for reading, the runner
 * does not iterate it: {@link WsgiCall} has the transport send its bytes from the current position to the end
 * straight from the file ({@code sendfile(2)} with the epoll transport, {@code FileChannel.transferTo} otherwise),
 * and the Jython code never touches them. Anything else (a {@code StringIO}, a socket file) is read block by
 * block, as {@code wsgiref.util.FileWrapper} does.
 */
final class FileWrapper extends PyObject {
    private static final long serialVersionUID = 1L;
    static final int DEFAULT_BLOCK = 8192;

    @Override
    public PyObject __call__(PyObject[] args, String[] keywords) {
        ArgParser parser = new ArgParser("file_wrapper", args, keywords, "filelike", "blksize");
        return new Wrapped(parser.getPyObject(0), parser.getInt(1, DEFAULT_BLOCK));
    }

    @Override
    public String toString() {
        return "<hostel FileWrapper>";
    }

    /** What the application returns: the file and the block size it asked for. */
    static final class Wrapped extends PyObject {
        private static final long serialVersionUID = 1L;
        private final transient PyObject filelike;
        private final int block;

        Wrapped(PyObject filelike, int block) {
            this.filelike = filelike;
            this.block = block > 0 ? block : DEFAULT_BLOCK;
        }

        /**
         * The bytes from the file's current position to its end, or {@code null} when {@code filelike} is not an
         * open regular file read without newline translation.
         */
        FileBody body() {
            if (!(filelike instanceof PyFile file) || file.getClosed() || file.mode == null
                    || !file.mode.contains("r") || file.mode.contains("U") || file.mode.contains("+")) {
                return null;
            }
            try {
                Object raw = file.fileno().__tojava__(FileIO.class);
                if (!(raw instanceof FileIO io) || io.getChannel() == null) {
                    return null;
                }
                FileChannel channel = io.getChannel();
                long position = file.tell();
                long size = channel.size();
                if (position < 0 || position > size) {
                    return null;
                }
                return new FileBody(channel, position, size - position);
            } catch (IOException | RuntimeException e) {
                return null; // a file the channel cannot describe (a pipe): read it block by block
            }
        }

        @Override
        public PyObject __iter__() {
            return this;
        }

        @Override
        public PyObject __iternext__() {
            PyObject data = filelike.invoke("read", Py.newInteger(block));
            return data.__len__() == 0 ? null : data;
        }

        /** {@code close}, and {@code next} and {@code __iter__} for code that calls them by name (wsgiref.validate). */
        @Override
        public PyObject __findattr_ex__(String name) {
            return switch (name) {
                case "close" -> {
                    PyObject close = filelike.__findattr__("close");
                    yield close != null ? close : new Bound(name, this);
                }
                case "next", "__iter__" -> new Bound(name, this);
                default -> super.__findattr_ex__(name);
            };
        }

        @Override
        public String toString() {
            return "<hostel FileWrapper of " + filelike + ">";
        }
    }

    /** A method of {@link Wrapped} by name: {@code next}, {@code __iter__}, or the {@code close()} of a file-like that has none. */
    private static final class Bound extends PyObject {
        private static final long serialVersionUID = 1L;
        private final String name;
        private final transient Wrapped wrapped;

        Bound(String name, Wrapped wrapped) {
            this.name = name;
            this.wrapped = wrapped;
        }

        @Override
        public PyObject __call__() {
            return switch (name) {
                case "next" -> {
                    PyObject block = wrapped.__iternext__();
                    if (block == null) {
                        throw Py.StopIteration("");
                    }
                    yield block;
                }
                case "__iter__" -> wrapped;
                default -> Py.None;
            };
        }
    }

    /** Bytes of a file that the application opened, from {@code position}, {@code count} of them. */
    record FileBody(FileChannel channel, long position, long count) {
        /**
         * The first {@code n} of the bytes as a region for the transport. The region never closes the file: the
         * application's {@code close()} does, once the response is written.
         */
        DefaultFileRegion region(long n) {
            return new DefaultFileRegion(channel, position, n) {
                @Override
                protected void deallocate() {
                    // The file is the application's: its close() (called on the response) closes it.
                }
            };
        }
    }
}
