package io.edgenode.store.pull;

import java.nio.file.Path;
import java.util.Objects;

/**
 * A published pull.
 *
 * @param target the verified file
 * @param sha256Hex its SHA-256 in lower-case hex (computed, and equal to the expected one when one
 *     was given)
 * @param sizeBytes its size
 * @param downloaded false when the target was already there with the expected digest and no
 *     network was used
 */
public record PullResult(Path target, String sha256Hex, long sizeBytes, boolean downloaded) {
    public PullResult {
        Objects.requireNonNull(target, "target");
        Objects.requireNonNull(sha256Hex, "sha256Hex");
    }
}
