package io.edgenode.server.gateway;

import static org.junit.jupiter.api.Assertions.*;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class KeyStoreTest {
    @TempDir
    Path dir;

    @Test
    void createListFindRevokeRotateRoundTrip() throws Exception {
        GatewayDatabase db = GatewayDatabase.open(dir);
        String secret;
        String id;
        try (KeyStore store = new KeyStore(db)) {
            KeyStore.Created c = store.create("ci", KeyScopes.DEFAULT, KeyLimits.NONE);
            id = c.key().id();
            secret = c.secret();
            assertEquals(id, store.find(id).orElseThrow().id());
            assertEquals(1, store.list().size());
            assertEquals(1, store.count());
            assertTrue(KeySecrets.matches(secret, store.lookup(id).orElseThrow().secretHash()));
            String rotated = store.rotate(id).orElseThrow();
            assertFalse(KeySecrets.matches(secret, store.lookup(id).orElseThrow().secretHash()));
            assertTrue(KeySecrets.matches(rotated, store.lookup(id).orElseThrow().secretHash()));
            assertTrue(store.revoke(id));
            assertTrue(store.revoke(id));
            assertFalse(store.revoke("nosuchkey0"));
            assertEquals(0, store.count());
            assertTrue(store.rotate(id).isEmpty());
        }
        try (KeyStore reopened = new KeyStore(GatewayDatabase.open(dir))) {
            assertTrue(reopened.find(id).orElseThrow().revoked());
        }
        for (Path f : Files.list(dir).toList()) {
            String bytes = new String(Files.readAllBytes(f), StandardCharsets.ISO_8859_1);
            assertFalse(bytes.contains(secret.substring(14)), f.toString());
        }
    }
}
