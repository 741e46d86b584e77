/**
 * GGUF files in pure Java: {@link io.edgenode.store.gguf.GgufFile} reads (memory-mapped, every length
 * checked before use, every defect a {@link io.edgenode.store.gguf.GgufFormatException} with its file
 * offset), {@link io.edgenode.store.gguf.GgufWriter} writes (streaming, atomic, deterministic),
 * {@link io.edgenode.store.gguf.GgufModelInfo} and {@link io.edgenode.store.gguf.MemoryEstimate} turn
 * metadata into the facts a node needs before loading a model. The format is the one of the pinned
 * llama.cpp release (gguf.h); nothing here calls native code.
 */
package io.edgenode.store.gguf;
