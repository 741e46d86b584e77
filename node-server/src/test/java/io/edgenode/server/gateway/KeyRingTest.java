package io.edgenode.server.gateway;

import static org.junit.jupiter.api.Assertions.*;

import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class KeyRingTest {
    @TempDir
    Path dir;

    @Test
    void authenticatesAndSeesAnotherStoresWritesOnTheNextCall() {
        GatewayDatabase db = GatewayDatabase.open(dir);
        try (KeyStore own = new KeyStore(db); KeyRing ring = new KeyRing(db, own);
                KeyStore cli = new KeyStore(GatewayDatabase.open(dir))) {
            assertFalse(ring.anyKeys());
            assertEquals(KeyRing.Failure.MISSING, ring.authenticate(null).failure());
            assertEquals(KeyRing.Failure.MISSING, ring.authenticate("Basic x").failure());
            assertEquals(KeyRing.Failure.MALFORMED, ring.authenticate("Bearer nope").failure());
            KeyStore.Created a = ring.create("a", KeyScopes.DEFAULT, KeyLimits.NONE);
            assertTrue(ring.authenticate("Bearer " + a.secret()).ok());
            KeyStore.Created b = cli.create("b", KeyScopes.DEFAULT, KeyLimits.NONE);
            assertTrue(ring.authenticate("Bearer " + b.secret()).ok());
            String nb = cli.rotate(b.key().id()).orElseThrow();
            assertEquals(KeyRing.Failure.UNKNOWN, ring.authenticate("Bearer " + b.secret()).failure());
            assertTrue(ring.authenticate("Bearer " + nb).ok());
            cli.revoke(a.key().id());
            assertEquals(KeyRing.Failure.REVOKED, ring.authenticate("Bearer " + a.secret()).failure());
        }
    }
}
