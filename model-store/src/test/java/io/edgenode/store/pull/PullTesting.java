package io.edgenode.store.pull;

import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;

/** Shared helpers of the pull tests. */
final class PullTesting {
    private PullTesting() {}

    static byte[] randomBytes(int size, long seed) {
        byte[] b = new byte[size];
        new Random(seed).nextBytes(b);
        return b;
    }

    static String sha256(byte[] data) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(data));
        } catch (NoSuchAlgorithmException e) {
            throw new AssertionError(e);
        }
    }

    static Path part(Path target) {
        return target.resolveSibling(target.getFileName() + ".part");
    }

    static <T> T await(CompletableFuture<T> f) throws Exception {
        return f.get(30, TimeUnit.SECONDS);
    }

    /** The PullException a pull failed with (unwrapped, as the puller promises). */
    static PullException failure(CompletableFuture<?> f) {
        ExecutionException e = assertThrows(ExecutionException.class, () -> f.get(30, TimeUnit.SECONDS));
        return assertInstanceOf(PullException.class, e.getCause());
    }

    /** Waits up to 10 s for {@code condition}. */
    static void eventually(java.util.function.BooleanSupplier condition, String what) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("timed out waiting for " + what);
            }
            Thread.sleep(5);
        }
    }

    /** A listener that keeps everything it is given. */
    static final class Recorder implements PullListener {
        final List<PullProgress> seen = new CopyOnWriteArrayList<>();

        @Override
        public void onProgress(PullProgress progress) {
            seen.add(progress);
        }

        PullProgress last() {
            return seen.getLast();
        }

        boolean saw(PullProgress.State state) {
            return seen.stream().anyMatch(p -> p.state() == state);
        }
    }
}
