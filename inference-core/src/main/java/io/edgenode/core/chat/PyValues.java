package io.edgenode.core.chat;

import java.math.BigDecimal;
import java.util.List;
import java.util.Map;

/**
 * Python's view of template values where Jinjava's differs: equality ({@code ==}) and what counts
 * as iterable. Stateless.
 */
final class PyValues {

    private PyValues() {}

    /**
     * Python's {@code ==}: values of different kinds are unequal ({@code '' != false}, which the Llama 2
     * template relies on), numbers compare by value with booleans as 0 and 1, lists and dicts compare
     * element by element. Jinjava follows EL and coerces both sides to the boolean or number type first.
     */
    static boolean equal(Object a, Object b) {
        if (a == null || b == null) {
            return a == b;
        }
        if (isNumeric(a) && isNumeric(b)) {
            Number x = numeric(a);
            Number y = numeric(b);
            if (!Double.isFinite(x.doubleValue()) || !Double.isFinite(y.doubleValue())) {
                return x.doubleValue() == y.doubleValue();
            }
            return new BigDecimal(x.toString()).compareTo(new BigDecimal(y.toString())) == 0;
        }
        if (a instanceof CharSequence || b instanceof CharSequence) {
            return a instanceof CharSequence && b instanceof CharSequence && a.toString().equals(b.toString());
        }
        if (a instanceof List<?> x && b instanceof List<?> y) {
            if (x.size() != y.size()) {
                return false;
            }
            for (int i = 0; i < x.size(); i++) {
                if (!equal(x.get(i), y.get(i))) {
                    return false;
                }
            }
            return true;
        }
        if (a instanceof Map<?, ?> x && b instanceof Map<?, ?> y) {
            if (x.size() != y.size()) {
                return false;
            }
            for (Map.Entry<?, ?> e : x.entrySet()) {
                if (!y.containsKey(e.getKey()) || !equal(e.getValue(), y.get(e.getKey()))) {
                    return false;
                }
            }
            return true;
        }
        return a.equals(b);
    }

    private static boolean isNumeric(Object o) {
        return o instanceof Number || o instanceof Boolean;
    }

    private static Number numeric(Object o) {
        return o instanceof Boolean b ? (b ? 1 : 0) : (Number) o;
    }

    /**
     * The {@code iterable} test ({@code iter(x)} works) and {@code sequence} ({@code len(x)} and
     * {@code x[i]} work): a string and a dict are both in Python (Llama 3.1 tojson-encodes tool
     * results that pass {@code is iterable}); Jinjava says no to both.
     */
    static boolean isIterable(Object var) {
        return var instanceof CharSequence
                || var instanceof Iterable<?>
                || var instanceof Map<?, ?>
                || (var != null && var.getClass().isArray());
    }
}
