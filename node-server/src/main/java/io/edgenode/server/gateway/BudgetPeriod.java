package io.edgenode.server.gateway;

import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.Locale;

/** Over what a budget is counted; periods start at UTC midnight (day) or on the 1st (month). */
public enum BudgetPeriod {
    DAY, MONTH, TOTAL;

    /** When the period holding {@code now} started ({@link Instant#EPOCH} for TOTAL). */
    public Instant start(Instant now) {
        LocalDate d = now.atZone(ZoneOffset.UTC).toLocalDate();
        return switch (this) {
            case DAY -> d.atStartOfDay(ZoneOffset.UTC).toInstant();
            case MONTH -> d.withDayOfMonth(1).atStartOfDay(ZoneOffset.UTC).toInstant();
            case TOTAL -> Instant.EPOCH;
        };
    }

    public String wireName() {
        return name().toLowerCase(Locale.ROOT);
    }

    public static BudgetPeriod parse(String name) {
        for (BudgetPeriod p : values()) {
            if (p.wireName().equalsIgnoreCase(name)) {
                return p;
            }
        }
        throw new IllegalArgumentException("unknown budget period '" + name + "' (day, month, total)");
    }
}
