package io.edgenode.core.chat;

import com.hubspot.jinjava.el.ext.AstRangeBracket;
import com.hubspot.jinjava.interpret.JinjavaInterpreter;
import com.hubspot.jinjava.objects.collections.SizeLimitingPyList;
import java.lang.reflect.Array;
import java.util.ArrayList;
import java.util.List;
import jinjava.de.odysseus.el.tree.Bindings;
import jinjava.de.odysseus.el.tree.impl.ast.AstNode;
import jinjava.javax.el.ELContext;
import jinjava.javax.el.ELException;
import jinjava.javax.el.PropertyNotFoundException;

/**
 * Python's {@code seq[start:stop:step]} on lists and strings: negative indices count from the end,
 * out-of-range bounds clamp, a negative step walks backwards ({@code messages[::-1]}). Strings are
 * sliced by code point, as Python does.
 *
 * <p>An immutable AST node, shared by every render that uses the cached expression tree.
 */
final class PySlice extends AstRangeBracket {

    private final AstNode step;

    PySlice(AstNode base, AstNode start, AstNode stop, AstNode step, boolean lvalue, boolean strict, boolean ignoreReturnType) {
        super(base, start, stop, lvalue, strict, ignoreReturnType);
        this.step = step;
    }

    @Override
    public Object eval(Bindings bindings, ELContext context) {
        Object base = prefix.eval(bindings, context);
        if (base == null) {
            throw new PropertyNotFoundException("cannot slice None: " + prefix);
        }
        Long start = bound(property, bindings, context, "start");
        Long stop = bound(rangeMax, bindings, context, "stop");
        Long stepValue = bound(step, bindings, context, "step");
        long stride = stepValue == null ? 1 : stepValue;
        if (stride == 0) {
            throw new ELException("slice step cannot be zero");
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
            throw new ELException("'" + base.getClass().getSimpleName() + "' object is not subscriptable with a slice");
        }
        List<Object> result = new ArrayList<>();
        for (long i : indices(items.size(), start, stop, stride)) {
            result.add(items.get((int) i));
        }
        int maxSize = JinjavaInterpreter.getCurrentMaybe().map(in -> in.getConfig().getMaxListSize()).orElse(Integer.MAX_VALUE);
        return new SizeLimitingPyList(result, maxSize);
    }

    private static Long bound(AstNode node, Bindings bindings, ELContext context, String name) {
        if (node == null) {
            return null;
        }
        Object value = node.eval(bindings, context);
        if (value == null) {
            return null; // None means "default", as in Python
        }
        if (value instanceof Number n) {
            return n.longValue();
        }
        throw new ELException("slice " + name + " must be an integer, not " + value.getClass().getSimpleName());
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

    @Override
    public String toString() {
        return "[:" + (step == null ? "" : ":") + "]";
    }
}
