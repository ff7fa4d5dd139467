package dev.hostel.runner;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import org.python.core.ArgParser;
import org.python.core.Py;
import org.python.core.PyList;
import org.python.core.PyObject;
import org.python.core.PyString;

/**
 * {@code wsgi.input} (PEP 3333): {@code read}, {@code readline}, {@code readlines} and iteration
 * over a {@link RequestBody}, returning byte {@code str} and {@code ''} past the end of the body.
 *
 * <p>A plain {@link PyObject} rather than a {@code PyFile}: one is made per request, and a
 * {@code PyFile} is finalizable, which makes every request cost the garbage collector more.
 */
final class WsgiInput extends PyObject {
    private static final long serialVersionUID = 1L;
    private static final PyString EMPTY = Py.EmptyString;

    private final transient RequestBody body;

    WsgiInput(RequestBody body) {
        this.body = body;
    }

    /** {@code read([size])}: up to {@code size} bytes, all of the rest if it is negative or absent. */
    PyString read(int size) {
        return collect(size < 0 ? Integer.MAX_VALUE : size, false);
    }

    /** {@code readline([size])}: up to and including the next {@code '\n'}, at most {@code size} bytes. */
    PyString readline(int size) {
        return collect(size < 0 ? Integer.MAX_VALUE : size, true);
    }

    /** {@code readlines([hint])}: lines until their total length reaches {@code hint} (if positive). */
    PyList readlines(int hint) {
        PyList lines = new PyList();
        long total = 0;
        PyString line;
        while ((line = readline(-1)).__len__() > 0) {
            lines.append(line);
            total += line.__len__();
            if (hint > 0 && total >= hint) {
                break;
            }
        }
        return lines;
    }

    /**
     * Up to {@code max} bytes (to the first newline with {@code line}) as a byte {@code str}: each take gives an
     * array of the exact size, and a read that one take answers whole (the usual case: the bytes are already
     * queued) makes its string from that array directly, with no buffer growing in between.
     */
    private PyString collect(int max, boolean line) {
        byte[] first;
        ByteArrayOutputStream more = null;
        try {
            first = body.take(max, line);
            if (first == null) {
                return EMPTY;
            }
            int remaining = max - first.length;
            boolean done = line && first.length > 0 && first[first.length - 1] == '\n';
            while (remaining > 0 && !done) {
                byte[] next = body.take(remaining, line);
                if (next == null) {
                    break;
                }
                if (more == null) {
                    more = new ByteArrayOutputStream(first.length + next.length);
                    more.write(first, 0, first.length);
                }
                more.write(next, 0, next.length);
                remaining -= next.length;
                done = line && next.length > 0 && next[next.length - 1] == '\n';
            }
        } catch (IOException e) {
            throw Py.IOError(e.getMessage());
        }
        if (more != null) {
            return ByteStrings.of(more.toString(StandardCharsets.ISO_8859_1));
        }
        return first.length == 0 ? EMPTY : ByteStrings.of(new String(first, StandardCharsets.ISO_8859_1));
    }

    @Override
    public PyObject __iter__() {
        return this;
    }

    @Override
    public PyObject __iternext__() {
        PyString line = readline(-1);
        return line.__len__() == 0 ? null : line;
    }

    @Override
    public PyObject __findattr_ex__(String name) {
        return switch (name) {
            case "read" -> new Method(name, this);
            case "readline" -> new Method(name, this);
            case "readlines" -> new Method(name, this);
            case "next" -> new Method(name, this);
            case "__iter__" -> new Method(name, this);
            default -> super.__findattr_ex__(name);
        };
    }

    @Override
    public String toString() {
        return "<hostel wsgi.input>";
    }

    /** One of the input's methods, bound to it. */
    private static final class Method extends PyObject {
        private static final long serialVersionUID = 1L;
        private final String name;
        private final transient WsgiInput input;

        Method(String name, WsgiInput input) {
            this.name = name;
            this.input = input;
        }

        @Override
        public PyObject __call__(PyObject[] args, String[] keywords) {
            switch (name) {
                case "read" -> {
                    return input.read(size(new ArgParser(name, args, keywords, "size")));
                }
                case "readline" -> {
                    return input.readline(size(new ArgParser(name, args, keywords, "size")));
                }
                case "readlines" -> {
                    return input.readlines(size(new ArgParser(name, args, keywords, "sizehint")));
                }
                case "__iter__" -> {
                    new ArgParser(name, args, keywords, new String[0]);
                    return input;
                }
                default -> {
                    new ArgParser(name, args, keywords, new String[0]);
                    PyObject line = input.__iternext__();
                    if (line == null) {
                        throw Py.StopIteration("");
                    }
                    return line;
                }
            }
        }

        private static int size(ArgParser args) {
            PyObject size = args.getPyObject(0, Py.None);
            if (size == Py.None) {
                return -1;
            }
            long n = size.asLong();
            return n > Integer.MAX_VALUE ? Integer.MAX_VALUE : (int) Math.max(n, -1);
        }

        @Override
        public String toString() {
            return "<method " + name + " of hostel wsgi.input>";
        }
    }
}
