package io.edgenode.core.llama;

import java.util.Arrays;
import java.util.Locale;
import java.util.stream.Collectors;

/** Target types for {@link Quantizer}, with their {@code enum llama_ftype} ids. */
public enum QuantType {
    F32(0),
    F16(1),
    Q4_0(2),
    Q4_1(3),
    Q8_0(7),
    Q5_0(8),
    Q5_1(9),
    Q2_K(10),
    Q3_K_M(12),
    Q4_K_S(14),
    Q4_K_M(15),
    Q5_K_S(16),
    Q5_K_M(17),
    Q6_K(18),
    BF16(32);

    final int ftype;

    QuantType(int ftype) {
        this.ftype = ftype;
    }

    /** Parses {@code q4_k_m}, {@code Q8_0}, {@code f16} and the like. */
    public static QuantType parse(String name) {
        String n = name.trim().toUpperCase(Locale.ROOT).replace('-', '_');
        try {
            return valueOf(n);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("unknown quantization '" + name + "'; one of "
                    + Arrays.stream(values()).map(v -> v.name().toLowerCase(Locale.ROOT))
                            .collect(Collectors.joining(", ")));
        }
    }

    public String cliName() {
        return name().toLowerCase(Locale.ROOT);
    }
}
