package io.edgenode.core.chat;

import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Python's {@code str} methods on template strings ({@code content.strip()}, {@code .split('</think>')},
 * {@code .startswith(...)}), which Jinjava would otherwise send to {@link String}'s Java methods:
 * {@code split} would take a regex, {@code startswith} would not exist. {@link JinjavaAdapter} sends
 * every method call and index on a string here first, so a string never reaches Java reflection: a
 * method Python's {@code str} lacks, or one this class does not implement, is a template error
 * ({@link PyException}) rather than a call into {@link String}.
 *
 * <p>Also {@code s[i]} (by code point, as Python). Indexes that {@code find} returns count UTF-16
 * units, not code points; they differ only past U+FFFF. Stateless; safe from any thread.
 */
final class PyStringMethods {

    private PyStringMethods() {}

    /**
     * Calls {@code s.method(positional..., named...)}.
     *
     * @throws PyException for a method {@code str} lacks or bad arguments, as Python raises
     */
    static Object invoke(String s, String method, List<Object> positional, Map<String, Object> named) {
        Args args = new Args(positional, named);
        return switch (method) {
            case "strip" -> strip(s, args.string(0, "chars"), true, true);
            case "lstrip" -> strip(s, args.string(0, "chars"), true, false);
            case "rstrip" -> strip(s, args.string(0, "chars"), false, true);
            case "startswith" -> matchesAny(args.required(0, "prefix"), s::startsWith);
            case "endswith" -> matchesAny(args.required(0, "suffix"), s::endsWith);
            case "split" -> split(s, args.string(0, "sep"), args.integer(1, "maxsplit", -1));
            case "rsplit" -> rsplit(s, args.string(0, "sep"), args.integer(1, "maxsplit", -1));
            case "splitlines" -> List.copyOf(s.lines().toList());
            case "upper" -> s.toUpperCase(Locale.ROOT);
            case "lower" -> s.toLowerCase(Locale.ROOT);
            case "title" -> title(s);
            case "capitalize" -> s.isEmpty() ? s : s.substring(0, 1).toUpperCase(Locale.ROOT) + s.substring(1).toLowerCase(Locale.ROOT);
            case "replace" -> replace(s, str(args.required(0, "old")), str(args.required(1, "new")), args.integer(2, "count", -1));
            case "find" -> (long) s.indexOf(str(args.required(0, "sub")), (int) args.integer(1, "start", 0));
            case "rfind" -> (long) s.lastIndexOf(str(args.required(0, "sub")));
            case "count" -> count(s, str(args.required(0, "sub")));
            case "join" -> join(s, args.required(0, "iterable"));
            case "format" -> format(s, args);
            case "removeprefix" -> s.startsWith(str(args.required(0, "prefix"))) ? s.substring(str(args.required(0, "prefix")).length()) : s;
            case "removesuffix" -> {
                String suffix = str(args.required(0, "suffix"));
                yield s.endsWith(suffix) && !suffix.isEmpty() ? s.substring(0, s.length() - suffix.length()) : s;
            }
            default -> throw new PyException("'str' object has no attribute '" + method + "' (not supported by Edgenode's chat templates)");
        };
    }

    /**
     * {@code s[index]}: one character (code point), negative from the end.
     *
     * @throws PyException when out of range
     */
    static String index(String s, long index) {
        int length = s.codePointCount(0, s.length());
        long i = index < 0 ? index + length : index;
        if (i < 0 || i >= length) {
            throw new PyException("string index out of range: " + index);
        }
        return Character.toString(s.codePointAt(s.offsetByCodePoints(0, (int) i)));
    }

    // -- the methods ------------------------------------------------------------------------------

    /** Python's {@code str.isspace} for one UTF-16 unit (all whitespace lies in the BMP). */
    static boolean isPySpace(char c) {
        return Character.isWhitespace(c) || Character.isSpaceChar(c);
    }

    static String strip(String s, String chars, boolean left, boolean right) {
        int begin = 0;
        int end = s.length();
        while (left && begin < end && stripped(s.charAt(begin), chars)) {
            begin++;
        }
        while (right && end > begin && stripped(s.charAt(end - 1), chars)) {
            end--;
        }
        return s.substring(begin, end);
    }

    private static boolean stripped(char c, String chars) {
        return chars == null ? isPySpace(c) : chars.indexOf(c) >= 0;
    }

    private static boolean matchesAny(Object prefixes, java.util.function.Predicate<String> test) {
        if (prefixes instanceof Collection<?> many) {
            for (Object p : many) {
                if (test.test(str(p))) {
                    return true;
                }
            }
            return false;
        }
        return test.test(str(prefixes));
    }

    static List<String> split(String s, String sep, long maxsplit) {
        List<String> parts = new ArrayList<>();
        if (sep == null) {
            int i = 0;
            int n = s.length();
            while (true) {
                while (i < n && isPySpace(s.charAt(i))) {
                    i++;
                }
                if (i == n) {
                    break;
                }
                if (maxsplit >= 0 && parts.size() == maxsplit) {
                    parts.add(strip(s.substring(i), null, false, true));
                    break;
                }
                int start = i;
                while (i < n && !isPySpace(s.charAt(i))) {
                    i++;
                }
                parts.add(s.substring(start, i));
            }
            return parts;
        }
        if (sep.isEmpty()) {
            throw new PyException("empty separator");
        }
        int from = 0;
        while (maxsplit < 0 || parts.size() < maxsplit) {
            int at = s.indexOf(sep, from);
            if (at < 0) {
                break;
            }
            parts.add(s.substring(from, at));
            from = at + sep.length();
        }
        parts.add(s.substring(from));
        return parts;
    }

    static List<String> rsplit(String s, String sep, long maxsplit) {
        if (maxsplit < 0) {
            return split(s, sep, maxsplit);
        }
        List<String> parts = new ArrayList<>();
        if (sep == null) {
            int i = s.length();
            while (true) {
                while (i > 0 && isPySpace(s.charAt(i - 1))) {
                    i--;
                }
                if (i == 0) {
                    break;
                }
                if (parts.size() == maxsplit) {
                    parts.addFirst(strip(s.substring(0, i), null, true, false));
                    break;
                }
                int end = i;
                while (i > 0 && !isPySpace(s.charAt(i - 1))) {
                    i--;
                }
                parts.addFirst(s.substring(i, end));
            }
            return parts;
        }
        if (sep.isEmpty()) {
            throw new PyException("empty separator");
        }
        int to = s.length();
        while (parts.size() < maxsplit) {
            int at = s.lastIndexOf(sep, to - sep.length());
            if (at < 0) {
                break;
            }
            parts.addFirst(s.substring(at + sep.length(), to));
            to = at;
        }
        parts.addFirst(s.substring(0, to));
        return parts;
    }

    private static String title(String s) {
        StringBuilder out = new StringBuilder(s.length());
        boolean previousCased = false;
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            out.append(previousCased ? Character.toLowerCase(c) : Character.toUpperCase(c));
            previousCased = Character.isLetter(c);
        }
        return out.toString();
    }

    private static String replace(String s, String old, String replacement, long count) {
        if (count < 0) {
            return s.replace(old, replacement);
        }
        StringBuilder out = new StringBuilder();
        int from = 0;
        for (long done = 0; done < count; done++) {
            int at = old.isEmpty() ? (from <= s.length() ? from : -1) : s.indexOf(old, from);
            if (at < 0) {
                break;
            }
            out.append(s, from, at).append(replacement);
            if (old.isEmpty()) {
                if (at < s.length()) {
                    out.append(s.charAt(at));
                }
                from = at + 1;
            } else {
                from = at + old.length();
            }
        }
        if (from <= s.length()) {
            out.append(s, from, s.length());
        }
        return out.toString();
    }

    private static long count(String s, String sub) {
        if (sub.isEmpty()) {
            return s.length() + 1L;
        }
        long n = 0;
        for (int at = s.indexOf(sub); at >= 0; at = s.indexOf(sub, at + sub.length())) {
            n++;
        }
        return n;
    }

    private static String join(String sep, Object iterable) {
        if (!(iterable instanceof Iterable<?> items)) {
            throw new PyException("can only join an iterable");
        }
        List<String> parts = new ArrayList<>();
        for (Object item : items) {
            parts.add(str(item));
        }
        return String.join(sep, parts);
    }

    /** {@code str.format}: {@code {}}, {@code {0}}, {@code {name}} and {@code {{ }}}; format specs after ':' are ignored. */
    private static String format(String s, Args args) {
        StringBuilder out = new StringBuilder();
        int auto = 0;
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c == '{' && i + 1 < s.length() && s.charAt(i + 1) == '{') {
                out.append('{');
                i++;
            } else if (c == '}' && i + 1 < s.length() && s.charAt(i + 1) == '}') {
                out.append('}');
                i++;
            } else if (c == '{') {
                int close = s.indexOf('}', i);
                if (close < 0) {
                    throw new PyException("Single '{' encountered in format string");
                }
                String field = s.substring(i + 1, close);
                int colon = field.indexOf(':');
                if (colon >= 0) {
                    field = field.substring(0, colon);
                }
                Object value;
                if (field.isEmpty()) {
                    value = args.positional(auto++);
                } else if (field.chars().allMatch(Character::isDigit)) {
                    value = args.positional(Integer.parseInt(field));
                } else if (args.named.containsKey(field)) {
                    value = args.named.get(field);
                } else {
                    throw new PyException("KeyError: '" + field + "'");
                }
                out.append(str(value));
                i = close;
            } else {
                out.append(c);
            }
        }
        return out.toString();
    }

    /** Python's {@code str()} (null, Jinjava's undefined, is ""). */
    static String str(Object value) {
        return PyRepr.str(value);
    }

    /** A call's arguments: positional ones, then keyword arguments by name. */
    private record Args(List<Object> positional, Map<String, Object> named) {
        Object positional(int index) {
            if (index >= positional.size()) {
                throw new PyException("IndexError: Replacement index " + index + " out of range for positional args tuple");
            }
            return positional.get(index);
        }

        Object get(int index, String name) {
            return index < positional.size() ? positional.get(index) : named.get(name);
        }

        Object required(int index, String name) {
            if (index >= positional.size() && !named.containsKey(name)) {
                throw new PyException("missing required argument '" + name + "'");
            }
            return get(index, name);
        }

        String string(int index, String name) {
            Object v = get(index, name);
            return v == null ? null : str(v);
        }

        long integer(int index, String name, long absent) {
            Object v = get(index, name);
            if (v == null) {
                return absent;
            }
            if (v instanceof Number n) {
                return n.longValue();
            }
            throw new PyException("'" + name + "' must be an integer, not " + str(v));
        }
    }
}
