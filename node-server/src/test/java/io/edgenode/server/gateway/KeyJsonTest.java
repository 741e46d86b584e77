package io.edgenode.server.gateway;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.EnumSet;
import java.util.Set;
import org.junit.jupiter.api.Test;

class KeyJsonTest {
    @Test
    void scopesAndLimitsRoundTrip() {
        KeyScopes s = new KeyScopes(Set.of("a", "b"), EnumSet.of(EndpointGroup.ADMIN, EndpointGroup.INFERENCE), 3, "t1-");
        KeyLimits l = new KeyLimits(60, 10_000, true, new Budget(Budget.nanoUsd(5), Budget.nanoUsd(0.5), BudgetPeriod.MONTH));
        assertEquals(s, KeyJson.readScopes(KeyJson.scopes(s)));
        assertEquals(l, KeyJson.readLimits(KeyJson.limits(l)));
        assertEquals(KeyScopes.DEFAULT, KeyJson.readScopes(KeyJson.scopes(KeyScopes.DEFAULT)));
        assertEquals(KeyLimits.NONE, KeyJson.readLimits(KeyJson.limits(KeyLimits.NONE)));
    }
}
