package io.edgenode.core.chat;

import com.hubspot.jinjava.interpret.JinjavaInterpreter;
import com.hubspot.jinjava.lib.filter.Filter;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Filters whose Jinjava version differs from what Hugging Face templates expect. Registered over
 * Jinjava's built-ins of the same name. Stateless; safe from any thread.
 */
final class PyFilters {

    private PyFilters() {}

    static List<Filter> all() {
        return List.of(new ToJson(), new Items(), new Str());
    }

    /**
     * {@code tojson(ensure_ascii=False, indent=None, separators=None, sort_keys=False)}, Hugging Face's
     * signature (positional arguments in that order), formatted as Python's {@code json.dumps}.
     */
    static final class ToJson implements Filter {
        @Override
        public String getName() {
            return "tojson";
        }

        @Override
        public Object filter(Object var, JinjavaInterpreter interpreter, Object[] args, Map<String, Object> kwargs) {
            boolean ensureAscii = truthy(arg(args, kwargs, 0, "ensure_ascii"));
            Object indentArg = arg(args, kwargs, 1, "indent");
            String indent = switch (indentArg) {
                case null -> null;
                case Number n -> " ".repeat(Math.max(0, n.intValue()));
                default -> indentArg.toString();
            };
            String itemSeparator = null;
            String keySeparator = null;
            if (arg(args, kwargs, 2, "separators") instanceof List<?> separators && separators.size() == 2) {
                itemSeparator = String.valueOf(separators.get(0));
                keySeparator = String.valueOf(separators.get(1));
            }
            boolean sortKeys = truthy(arg(args, kwargs, 3, "sort_keys"));
            return PyJson.dumps(var, PyJson.Options.of(ensureAscii, indent, itemSeparator, keySeparator, sortKeys));
        }

        @Override
        public Object filter(Object var, JinjavaInterpreter interpreter, String... args) {
            return PyJson.dumps(var);
        }
    }

    /** {@code items}: a mapping's (key, value) pairs, which {@code for k, v in ...} unpacks (Jinja 3.1). */
    static final class Items implements Filter {
        @Override
        public String getName() {
            return "items";
        }

        @Override
        public Object filter(Object var, JinjavaInterpreter interpreter, String... args) {
            if (var == null) {
                return List.of();
            }
            if (!(var instanceof Map<?, ?> map)) {
                throw new IllegalStateException("items filter expects a mapping, got " + var.getClass().getSimpleName());
            }
            return new ArrayList<>(map.entrySet());
        }
    }

    /** {@code string}: Python's {@code str()} ({@code True}, not {@code true}). */
    static final class Str implements Filter {
        @Override
        public String getName() {
            return "string";
        }

        @Override
        public Object filter(Object var, JinjavaInterpreter interpreter, String... args) {
            return PyRepr.str(var);
        }
    }

    private static Object arg(Object[] args, Map<String, Object> kwargs, int index, String name) {
        if (args != null && index < args.length) {
            return args[index];
        }
        return kwargs == null ? null : kwargs.get(name);
    }

    private static boolean truthy(Object o) {
        return o instanceof Boolean b ? b : o != null && !"false".equalsIgnoreCase(o.toString()) && !"0".equals(o.toString());
    }
}
