/**
 * Model pulls: {@link io.edgenode.store.pull.ModelSource} parses {@code hf://owner/repo[@rev]/file}
 * and {@code http(s)://} sources, {@link io.edgenode.store.pull.ModelPuller} downloads them into
 * {@code <target>.part} (resuming with {@code Range}), verifies the sha256 and publishes the file
 * with an atomic rename. Concurrent pulls of one target share one download; progress goes to
 * {@link io.edgenode.store.pull.PullListener}s.
 */
package io.edgenode.store.pull;
