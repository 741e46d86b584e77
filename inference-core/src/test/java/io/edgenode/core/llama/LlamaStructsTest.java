package io.edgenode.core.llama;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_BOOLEAN;
import static java.lang.foreign.ValueLayout.JAVA_FLOAT;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.SegmentAllocator;
import java.lang.foreign.StructLayout;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Our struct layouts must match llama.h byte for byte: a shifted field would silently pass garbage
 * to llama.cpp. The sizes come from sizeof() on the header; the defaults from
 * llama_*_default_params() in llama.cpp de3ff815, read back through our offsets.
 */
class LlamaStructsTest {
    @BeforeAll
    static void loadLibrary() {
        LlamaLibrary.load();
    }

    private static int i32(MemorySegment s, StructLayout l, String f) {
        return s.get(JAVA_INT, LlamaStructs.offset(l, f));
    }

    private static float f32(MemorySegment s, StructLayout l, String f) {
        return s.get(JAVA_FLOAT, LlamaStructs.offset(l, f));
    }

    private static boolean bool(MemorySegment s, StructLayout l, String f) {
        return s.get(JAVA_BOOLEAN, LlamaStructs.offset(l, f));
    }

    private static long ptr(MemorySegment s, StructLayout l, String f) {
        return s.get(ADDRESS, LlamaStructs.offset(l, f)).address();
    }

    @Test
    void shouldMatchHeaderSizes() {
        assertEquals(80, LlamaStructs.MODEL_PARAMS.byteSize());
        assertEquals(160, LlamaStructs.CONTEXT_PARAMS.byteSize());
        assertEquals(56, LlamaStructs.BATCH.byteSize());
        assertEquals(64, LlamaStructs.QUANTIZE_PARAMS.byteSize());
        assertEquals(1, LlamaStructs.SAMPLER_CHAIN_PARAMS.byteSize());
        assertEquals(12, LlamaStructs.TOKEN_DATA.byteSize());
        assertEquals(32, LlamaStructs.TOKEN_DATA_ARRAY.byteSize());
        assertEquals(8, LlamaStructs.TOKEN_DATA_ARRAY.byteOffset(java.lang.foreign.MemoryLayout.PathElement.groupElement("size")));
        assertEquals(24, LlamaStructs.TOKEN_DATA_ARRAY.byteOffset(java.lang.foreign.MemoryLayout.PathElement.groupElement("sorted")));
        assertEquals(8, LlamaStructs.LOGIT_BIAS.byteSize());
        // spot checks of offsetof() from the header
        assertEquals(16, LlamaStructs.offset(LlamaStructs.MODEL_PARAMS, "n_gpu_layers"));
        assertEquals(72, LlamaStructs.offset(LlamaStructs.MODEL_PARAMS, "vocab_only"));
        assertEquals(104, LlamaStructs.offset(LlamaStructs.CONTEXT_PARAMS, "type_k"));
        assertEquals(133, LlamaStructs.offset(LlamaStructs.CONTEXT_PARAMS, "kv_unified"));
        assertEquals(152, LlamaStructs.offset(LlamaStructs.CONTEXT_PARAMS, "ctx_other"));
        assertEquals(48, LlamaStructs.offset(LlamaStructs.BATCH, "logits"));
        assertEquals(56, LlamaStructs.offset(LlamaStructs.QUANTIZE_PARAMS, "max_buf_size"));
    }

    @Test
    void shouldReadModelDefaultsFieldByField() {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment s = ModelParams.nativeDefaults(arena);
            StructLayout l = LlamaStructs.MODEL_PARAMS;
            assertEquals(0, ptr(s, l, "devices"));
            assertEquals(0, ptr(s, l, "tensor_buft_overrides"));
            assertEquals(-1, i32(s, l, "n_gpu_layers"));
            assertEquals(1, i32(s, l, "split_mode"), "LLAMA_SPLIT_MODE_LAYER");
            assertEquals(-1, i32(s, l, "load_mode"), "LLAMA_LOAD_MODE_AUTO");
            assertEquals(1, i32(s, l, "lazy_mode"), "LLAMA_LAZY_MODE_AUTO");
            assertEquals(0, i32(s, l, "main_gpu"));
            assertEquals(0, ptr(s, l, "tensor_split"));
            assertEquals(0, ptr(s, l, "progress_callback"));
            assertEquals(0, ptr(s, l, "progress_callback_user_data"));
            assertEquals(0, ptr(s, l, "kv_overrides"));
            assertEquals(false, bool(s, l, "vocab_only"));
            assertEquals(false, bool(s, l, "check_tensors"));
            assertEquals(true, bool(s, l, "use_extra_bufts"));
            assertEquals(false, bool(s, l, "no_host"));
            assertEquals(false, bool(s, l, "no_alloc"));
            assertEquals(false, bool(s, l, "load_mtp"));
        }
    }

    @Test
    void shouldReadContextDefaultsFieldByField() {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment s = ContextParams.nativeDefaults(arena);
            StructLayout l = LlamaStructs.CONTEXT_PARAMS;
            assertEquals(512, i32(s, l, "n_ctx"));
            assertEquals(2048, i32(s, l, "n_batch"));
            assertEquals(512, i32(s, l, "n_ubatch"));
            assertEquals(1, i32(s, l, "n_seq_max"));
            assertEquals(0, i32(s, l, "n_rs_seq"));
            assertEquals(0, i32(s, l, "n_outputs_max"));
            assertEquals(1, i32(s, l, "n_outputs_max_per_seq"));
            assertEquals(4, i32(s, l, "n_threads"), "GGML_DEFAULT_N_THREADS");
            assertEquals(4, i32(s, l, "n_threads_batch"));
            assertEquals(0, i32(s, l, "ctx_type"));
            assertEquals(-1, i32(s, l, "rope_scaling_type"));
            assertEquals(-1, i32(s, l, "pooling_type"));
            assertEquals(-1, i32(s, l, "attention_type"));
            assertEquals(-1, i32(s, l, "flash_attn_type"));
            assertEquals(0f, f32(s, l, "rope_freq_base"));
            assertEquals(0f, f32(s, l, "rope_freq_scale"));
            assertEquals(-1f, f32(s, l, "yarn_ext_factor"));
            assertEquals(-1f, f32(s, l, "yarn_attn_factor"));
            assertEquals(-1f, f32(s, l, "yarn_beta_fast"));
            assertEquals(-1f, f32(s, l, "yarn_beta_slow"));
            assertEquals(0, i32(s, l, "yarn_orig_ctx"));
            assertEquals(-1f, f32(s, l, "defrag_thold"));
            assertEquals(0, ptr(s, l, "cb_eval"));
            assertEquals(0, ptr(s, l, "cb_eval_user_data"));
            assertEquals(1, i32(s, l, "type_k"), "GGML_TYPE_F16");
            assertEquals(1, i32(s, l, "type_v"), "GGML_TYPE_F16");
            assertEquals(0, ptr(s, l, "abort_callback"));
            assertEquals(0, ptr(s, l, "abort_callback_data"));
            assertEquals(false, bool(s, l, "embeddings"));
            assertEquals(true, bool(s, l, "offload_kqv"));
            assertEquals(true, bool(s, l, "no_perf"));
            assertEquals(true, bool(s, l, "op_offload"));
            assertEquals(true, bool(s, l, "swa_full"));
            assertEquals(false, bool(s, l, "kv_unified"));
            assertEquals(0, ptr(s, l, "samplers"));
            assertEquals(0, s.get(JAVA_LONG, LlamaStructs.offset(l, "n_samplers")));
            assertEquals(0, ptr(s, l, "ctx_other"));
        }
    }

    @Test
    void shouldReadQuantizeAndChainDefaults() throws Throwable {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment q = (MemorySegment) LlamaNative.llama_model_quantize_default_params
                    .invokeExact((SegmentAllocator) arena);
            StructLayout l = LlamaStructs.QUANTIZE_PARAMS;
            assertEquals(0, i32(q, l, "nthread"));
            assertEquals(7, i32(q, l, "ftype"), "LLAMA_FTYPE_MOSTLY_Q8_0");
            assertEquals(43, i32(q, l, "output_tensor_type"), "GGML_TYPE_COUNT");
            assertEquals(43, i32(q, l, "token_embedding_type"), "GGML_TYPE_COUNT");
            assertEquals(false, bool(q, l, "allow_requantize"));
            assertEquals(true, bool(q, l, "quantize_output_tensor"));
            assertEquals(false, bool(q, l, "only_copy"));
            assertEquals(false, bool(q, l, "pure"));
            assertEquals(false, bool(q, l, "keep_split"));
            assertEquals(false, bool(q, l, "dry_run"));
            assertEquals(0, ptr(q, l, "imatrix"));
            assertEquals(0, ptr(q, l, "kv_overrides"));
            assertEquals(0, ptr(q, l, "tt_overrides"));
            assertEquals(0, ptr(q, l, "prune_layers"));
            assertEquals(true, q.get(JAVA_LONG, LlamaStructs.offset(l, "max_buf_size")) > 0);

            MemorySegment c = (MemorySegment) LlamaNative.llama_sampler_chain_default_params
                    .invokeExact((SegmentAllocator) arena);
            assertEquals(true, c.get(JAVA_BOOLEAN, 0), "no_perf");
        }
    }
}
