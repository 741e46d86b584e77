/**
 * Synthetic llama-architecture models for tests and benchmarks, since no model can be downloaded
 * here: {@link io.edgenode.store.synth.SyntheticModelBuilder} writes seeded-random F32/F16 GGUF files
 * with real shapes ({@link io.edgenode.store.synth.ModelPreset}) and a byte-level vocabulary
 * ({@link io.edgenode.store.synth.ByteVocabulary}) that llama.cpp loads, tokenizes, runs and
 * quantizes like any other model.
 */
package io.edgenode.store.synth;
