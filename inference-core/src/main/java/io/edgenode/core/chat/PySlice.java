package io.edgenode.core.chat;

import java.lang.reflect.Array;
import java.util.ArrayList;
import java.util.List;

/**
 * Python's {@code seq[start:stop:step]} on lists and strings: negative indices count from the end,
 * out-of-range bounds clamp, a negative step walks backwards ({@code messages[::-1]}). Strings are
 * sliced by code point, as Python does. {@link JinjavaAdapter}'s slice node evaluates the bounds and
 * calls {@link #slice}. Stateless.
 */
final class PySlice {

    private PySlice() {}

    /**
     * {@code base[start:stop:step]}; a null bound is Python's default.
     *
     * @return a String for a string, else a new list
     * @throws PyException for a zero step, None or a value that cannot be sliced
     */
    static Object slice(Object base, Long start, Long stop, Long step) {
        if (base == null) {
            throw new PyException("cannot slice None");
        }
        long stride = step == null ? 1 : step;
        if (stride == 0) {
            throw new PyException("slice step cannot be zero");
        }
        if (base instanceof String s) {
            int[] codePoints = s.codePoints().toArray();
            StringBuilder out = new StringBuilder();
            for (long i : indices(codePoints.length, start, stop, stride)) {
                out.appendCodePoint(codePoints[(int) i]);
            }
            return out.toString();
        }
        List<Object> items = new ArrayList<>();
        if (base instanceof Iterable<?> it) {
            it.forEach(items::add);
        } else if (base.getClass().isArray()) {
            for (int i = 0, n = Array.getLength(base); i < n; i++) {
                items.add(Array.get(base, i));
            }
        } else {
            throw new PyException("'" + base.getClass().getSimpleName() + "' object is not subscriptable with a slice");
        }
        List<Object> result = new ArrayList<>();
        for (long i : indices(items.size(), start, stop, stride)) {
            result.add(items.get((int) i));
        }
        return result;
    }

    /** A bound's value: None means "default", as in Python. */
    static Long bound(Object value, String name) {
        if (value == null) {
            return null;
        }
        if (value instanceof Number n) {
            return n.longValue();
        }
        throw new PyException("slice " + name + " must be an integer, not " + value.getClass().getSimpleName());
    }

    /** CPython's {@code PySlice_AdjustIndices}, then the selected indices in order. */
    static long[] indices(long length, Long start, Long stop, long step) {
        long lo;
        long hi;
        if (step > 0) {
            lo = start == null ? 0 : clamp(start, length, 0, length);
            hi = stop == null ? length : clamp(stop, length, 0, length);
            if (hi <= lo) {
                return new long[0];
            }
            long[] out = new long[(int) ((hi - lo - 1) / step + 1)];
            for (int k = 0; k < out.length; k++) {
                out[k] = lo + k * step;
            }
            return out;
        }
        lo = start == null ? length - 1 : clamp(start, length, -1, length - 1);
        hi = stop == null ? -1 : clamp(stop, length, -1, length - 1);
        if (lo <= hi) {
            return new long[0];
        }
        long[] out = new long[(int) ((lo - hi - 1) / -step + 1)];
        for (int k = 0; k < out.length; k++) {
            out[k] = lo + k * step;
        }
        return out;
    }

    private static long clamp(long index, long length, long min, long max) {
        long i = index < 0 ? index + length : index;
        return Math.max(min, Math.min(max, i));
    }
}
