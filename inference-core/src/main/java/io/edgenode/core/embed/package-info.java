/**
 * Text embeddings: the {@link io.edgenode.core.embed.Embedder} contract, and its ONNX Runtime
 * implementation (pure-Java WordPiece tokenizer from a Hugging Face {@code tokenizer.json}, mean or
 * CLS pooling, L2 normalisation) with the int8 all-MiniLM-L6-v2 model bundled as the default, and
 * GGUF models through a llama.cpp embeddings context ({@link io.edgenode.core.embed.LlamaEmbedder}).
 * Knows nothing about HTTP.
 */
package io.edgenode.core.embed;
