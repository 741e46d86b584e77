package io.edgenode.store.gguf;

/**
 * How much of a model one tensor type accounts for.
 *
 * @param count    number of tensors of the type
 * @param elements their total element (parameter) count
 * @param bytes    their total data bytes, without alignment padding
 */
public record TensorTypeStats(int count, long elements, long bytes) {}
