package io.edgenode.core.llama;

import static java.lang.foreign.ValueLayout.JAVA_BOOLEAN;
import static java.lang.foreign.ValueLayout.JAVA_INT;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.SegmentAllocator;

/**
 * How to load a model. {@code gpuLayers}: layers offloaded to a GPU (-1 all, 0 none); ignored with
 * a warning by a CPU-only build. {@code useMmap}/{@code useMlock} map to llama.cpp's
 * {@code load_mode} (this release replaced the two booleans with one enum).
 */
public record ModelParams(int gpuLayers, boolean useMmap, boolean useMlock, boolean vocabOnly) {

    // enum llama_load_mode
    static final int LOAD_MODE_NONE = 0;
    static final int LOAD_MODE_MMAP = 1;
    static final int LOAD_MODE_MLOCK = 2;
    static final int LOAD_MODE_MMAP_MLOCK = 3;

    private static final long N_GPU_LAYERS = LlamaStructs.offset(LlamaStructs.MODEL_PARAMS, "n_gpu_layers");
    private static final long LOAD_MODE = LlamaStructs.offset(LlamaStructs.MODEL_PARAMS, "load_mode");
    private static final long VOCAB_ONLY = LlamaStructs.offset(LlamaStructs.MODEL_PARAMS, "vocab_only");

    /** CPU only, memory-mapped weights. */
    public static ModelParams defaults() {
        return new ModelParams(0, true, false, false);
    }

    public ModelParams withGpuLayers(int layers) {
        return new ModelParams(layers, useMmap, useMlock, vocabOnly);
    }

    public ModelParams withVocabOnly(boolean only) {
        return new ModelParams(gpuLayers, useMmap, useMlock, only);
    }

    int loadMode() {
        if (useMmap) {
            return useMlock ? LOAD_MODE_MMAP_MLOCK : LOAD_MODE_MMAP;
        }
        return useMlock ? LOAD_MODE_MLOCK : LOAD_MODE_NONE;
    }

    /** llama.cpp's defaults with our fields written over them, in {@code arena}. */
    MemorySegment toNative(Arena arena) {
        MemorySegment s = nativeDefaults(arena);
        s.set(JAVA_INT, N_GPU_LAYERS, gpuLayers);
        s.set(JAVA_INT, LOAD_MODE, loadMode());
        s.set(JAVA_BOOLEAN, VOCAB_ONLY, vocabOnly);
        return s;
    }

    static MemorySegment nativeDefaults(SegmentAllocator allocator) {
        try {
            return (MemorySegment) LlamaNative.llama_model_default_params.invokeExact(allocator);
        } catch (Throwable t) {
            throw LlamaNative.rethrow(t);
        }
    }
}
