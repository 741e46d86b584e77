package io.edgenode.core.grammar;

/**
 * GBNF for the decimal integers in a range, digit by digit (llama.cpp's {@code build_min_max_int}).
 * Stateless. The output is written to match llama.cpp's byte for byte, so that grammars can be
 * compared with its test corpus.
 *
 * <p>Two deliberate differences, both found by checking small ranges exhaustively: a maximum
 * below zero ({@code -5}) writes its digits without a leading zero, where llama.cpp's allow
 * {@code -05}; and a lower bound whose digits after the first start with a zero ({@code 109})
 * no longer admits smaller numbers of its length ({@code 100}).
 *
 * <p>Invariant: an open side ({@link Long#MIN_VALUE} or {@link Long#MAX_VALUE}) allows at most
 * 16 digits, the same cap as llama.cpp's {@code integral-part} rule.
 */
final class IntegerRanges {
    private static final int DECIMALS = 16;

    private IntegerRanges() {
    }

    /** The alternatives (without surrounding parentheses) matching integers in [min, max]. */
    static String range(long min, long max) {
        StringBuilder out = new StringBuilder();
        build(min, max, out, DECIMALS, true);
        return out.toString();
    }

    private static void digitRange(char from, char to, StringBuilder out) {
        out.append('[').append(from);
        if (from != to) {
            out.append('-').append(to);
        }
        out.append(']');
    }

    private static void moreDigits(int minDigits, int maxDigits, StringBuilder out) {
        out.append("[0-9]");
        if (minDigits == maxDigits && minDigits == 1) {
            return;
        }
        out.append('{').append(minDigits);
        if (maxDigits != minDigits) {
            out.append(',');
            if (maxDigits != Integer.MAX_VALUE) {
                out.append(maxDigits);
            }
        }
        out.append('}');
    }

    /** All numbers with from's length between from and to (equal lengths), digit by digit. */
    private static void uniformRange(String from, String to, StringBuilder out) {
        int i = 0;
        while (i < from.length() && i < to.length() && from.charAt(i) == to.charAt(i)) {
            i++;
        }
        if (i > 0) {
            out.append('"').append(from, 0, i).append('"');
        }
        if (i >= from.length() || i >= to.length()) {
            return;
        }
        if (i > 0) {
            out.append(' ');
        }
        int subLen = from.length() - i - 1;
        char f = from.charAt(i);
        char t = to.charAt(i);
        if (subLen == 0) {
            out.append('[').append(f).append('-').append(t).append(']');
            return;
        }
        String fromSub = from.substring(i + 1);
        String toSub = to.substring(i + 1);
        String zeros = "0".repeat(subLen);
        String nines = "9".repeat(subLen);
        boolean toReached = false;
        out.append('(');
        if (fromSub.equals(zeros)) {
            digitRange(f, (char) (t - 1), out);
            out.append(' ');
            moreDigits(subLen, subLen, out);
        } else {
            out.append('[').append(f).append("] (");
            uniformRange(fromSub, nines, out);
            out.append(')');
            if (f < t - 1) {
                out.append(" | ");
                if (toSub.equals(nines)) {
                    digitRange((char) (f + 1), t, out);
                    toReached = true;
                } else {
                    digitRange((char) (f + 1), (char) (t - 1), out);
                }
                out.append(' ');
                moreDigits(subLen, subLen, out);
            }
        }
        if (!toReached) {
            out.append(" | ");
            digitRange(t, t, out);
            out.append(' ');
            uniformRange(zeros, toSub, out);
        }
        out.append(')');
    }

    /**
     * Digit strings at least as long as {@code rest} that are not below it, {@code rest} being the
     * digits after a minimum's first one. llama.cpp reads {@code rest} as a number, which drops a
     * leading zero: for a minimum of 109 it lets 100 to 108 through. Without a leading zero this
     * writes what llama.cpp writes.
     */
    private static void atLeast(String rest, StringBuilder out, int decimalsLeft) {
        if (rest.length() < 2 || rest.charAt(0) != '0') {
            build(Long.parseLong(rest), Long.MAX_VALUE, out, decimalsLeft, false);
            return;
        }
        int lessDecimals = Math.max(decimalsLeft - 1, 1);
        if (rest.chars().allMatch(c -> c == '0')) {
            moreDigits(rest.length(), decimalsLeft, out);
            return;
        }
        out.append("[0] (");
        atLeast(rest.substring(1), out, lessDecimals);
        out.append(") | [1-9] ");
        moreDigits(rest.length() - 1, lessDecimals, out);
    }

    private static void build(long min, long max, StringBuilder out, int decimalsLeft, boolean topLevel) {
        boolean hasMin = min != Long.MIN_VALUE;
        boolean hasMax = max != Long.MAX_VALUE;

        if (hasMin && hasMax) {
            if (min < 0 && max < 0) {
                out.append("\"-\" (");
                build(-max, -min, out, decimalsLeft, true);
                out.append(')');
                return;
            }
            if (min < 0) {
                out.append("\"-\" (");
                build(0, -min, out, decimalsLeft, true);
                out.append(") | ");
                min = 0;
            }
            String minS = Long.toString(min);
            String maxS = Long.toString(max);
            for (int digits = minS.length(); digits < maxS.length(); digits++) {
                uniformRange(minS, "9".repeat(digits), out);
                minS = "1" + "0".repeat(digits);
                out.append(" | ");
            }
            uniformRange(minS, maxS, out);
            return;
        }

        int lessDecimals = Math.max(decimalsLeft - 1, 1);

        if (hasMin) {
            if (min < 0) {
                out.append("\"-\" (");
                build(Long.MIN_VALUE, -min, out, decimalsLeft, false);
                out.append(") | [0] | [1-9] ");
                moreDigits(0, decimalsLeft - 1, out);
            } else if (min == 0) {
                if (topLevel) {
                    out.append("[0] | [1-9] ");
                    moreDigits(0, lessDecimals, out);
                } else {
                    moreDigits(1, decimalsLeft, out);
                }
            } else if (min <= 9) {
                char c = (char) ('0' + min);
                char rangeStart = topLevel ? '1' : '0';
                if (c > rangeStart) {
                    digitRange(rangeStart, (char) (c - 1), out);
                    out.append(' ');
                    moreDigits(1, lessDecimals, out);
                    out.append(" | ");
                }
                digitRange(c, '9', out);
                out.append(' ');
                moreDigits(0, lessDecimals, out);
            } else {
                String minS = Long.toString(min);
                int len = minS.length();
                char c = minS.charAt(0);
                if (c > '1') {
                    digitRange(topLevel ? '1' : '0', (char) (c - 1), out);
                    out.append(' ');
                    moreDigits(len, lessDecimals, out);
                    out.append(" | ");
                }
                digitRange(c, c, out);
                out.append(" (");
                atLeast(minS.substring(1), out, lessDecimals);
                out.append(')');
                if (c < '9') {
                    out.append(" | ");
                    digitRange((char) (c + 1), '9', out);
                    out.append(' ');
                    moreDigits(len - 1, lessDecimals, out);
                }
            }
            return;
        }

        if (hasMax) {
            if (max >= 0) {
                if (topLevel) {
                    out.append("\"-\" [1-9] ");
                    moreDigits(0, lessDecimals, out);
                    out.append(" | ");
                }
                build(0, max, out, decimalsLeft, true);
            } else {
                // top level (no leading zero) where llama.cpp passes false: its "-" (0[0-9]...)
                // lets a model write -05, which is not JSON
                out.append("\"-\" (");
                build(-max, Long.MAX_VALUE, out, decimalsLeft, true);
                out.append(')');
            }
            return;
        }
        throw new IllegalArgumentException("at least one of min or max must be set");
    }
}
