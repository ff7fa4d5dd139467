package dev.hostel.runner;

import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;
import java.lang.reflect.Method;
import org.python.core.Py;
import org.python.core.PyString;

/**
 * Byte {@code str} from Java strings known to hold only chars 0-255 (bytes decoded as Latin-1).
 *
 * <p>{@code Py.newString} checks every char of its argument before it makes a {@code str}: a loop over the whole
 * body, char by char, which profiles of a 1 MB POST echo found in over half of the runner's samples. Jython's own
 * {@code Py.newBytes}, which skips the check for strings it knows to be bytes, is package-private; it is called
 * through a method handle, and {@code Py.newString} is the fallback should a later Jython not have it.
 */
final class ByteStrings {
    private static final MethodHandle NEW_BYTES = newBytes();

    private ByteStrings() {
    }

    /** A {@code str} of {@code latin1}, whose chars must all be 0-255 (as any string decoded from ISO-8859-1). */
    static PyString of(String latin1) {
        if (NEW_BYTES == null) {
            return Py.newString(latin1);
        }
        try {
            return (PyString) NEW_BYTES.invokeExact(latin1);
        } catch (Throwable e) {
            return Py.newString(latin1);
        }
    }

    private static MethodHandle newBytes() {
        try {
            Method method = Py.class.getDeclaredMethod("newBytes", String.class);
            if (method.getReturnType() != PyString.class) {
                return null;
            }
            method.setAccessible(true);
            return MethodHandles.lookup().unreflect(method).asType(MethodType.methodType(PyString.class, String.class));
        } catch (ReflectiveOperationException | RuntimeException e) {
            return null;
        }
    }
}
