package io.edgenode.core.llama;

import static java.lang.foreign.MemoryLayout.paddingLayout;
import static java.lang.foreign.MemoryLayout.structLayout;
import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_BOOLEAN;
import static java.lang.foreign.ValueLayout.JAVA_FLOAT;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

import java.lang.foreign.MemoryLayout.PathElement;
import java.lang.foreign.StructLayout;

/**
 * Memory layouts of the llama.cpp structs the binding passes by value, field for field as in
 * {@code include/llama.h} of llama.cpp de3ff815 (x86_64/aarch64 LP64: pointers and size_t are 8
 * bytes, enums are int). Sizes were checked against {@code sizeof}/{@code offsetof} from the
 * header: model params 80, context params 160, batch 56, quantize params 64, chain params 1,
 * token data 12, token data array 32, logit bias 8.
 * {@code LlamaStructsTest} checks the defaults llama.cpp writes into them, field by field.
 */
final class LlamaStructs {
    private LlamaStructs() {}

    static final StructLayout MODEL_PARAMS = structLayout(
            ADDRESS.withName("devices"),
            ADDRESS.withName("tensor_buft_overrides"),
            JAVA_INT.withName("n_gpu_layers"),
            JAVA_INT.withName("split_mode"),
            JAVA_INT.withName("load_mode"),
            JAVA_INT.withName("lazy_mode"),
            JAVA_INT.withName("main_gpu"),
            paddingLayout(4),
            ADDRESS.withName("tensor_split"),
            ADDRESS.withName("progress_callback"),
            ADDRESS.withName("progress_callback_user_data"),
            ADDRESS.withName("kv_overrides"),
            JAVA_BOOLEAN.withName("vocab_only"),
            JAVA_BOOLEAN.withName("check_tensors"),
            JAVA_BOOLEAN.withName("use_extra_bufts"),
            JAVA_BOOLEAN.withName("no_host"),
            JAVA_BOOLEAN.withName("no_alloc"),
            JAVA_BOOLEAN.withName("load_mtp"),
            paddingLayout(2)).withName("llama_model_params");

    static final StructLayout CONTEXT_PARAMS = structLayout(
            JAVA_INT.withName("n_ctx"),
            JAVA_INT.withName("n_batch"),
            JAVA_INT.withName("n_ubatch"),
            JAVA_INT.withName("n_seq_max"),
            JAVA_INT.withName("n_rs_seq"),
            JAVA_INT.withName("n_outputs_max"),
            JAVA_INT.withName("n_outputs_max_per_seq"),
            JAVA_INT.withName("n_threads"),
            JAVA_INT.withName("n_threads_batch"),
            JAVA_INT.withName("ctx_type"),
            JAVA_INT.withName("rope_scaling_type"),
            JAVA_INT.withName("pooling_type"),
            JAVA_INT.withName("attention_type"),
            JAVA_INT.withName("flash_attn_type"),
            JAVA_FLOAT.withName("rope_freq_base"),
            JAVA_FLOAT.withName("rope_freq_scale"),
            JAVA_FLOAT.withName("yarn_ext_factor"),
            JAVA_FLOAT.withName("yarn_attn_factor"),
            JAVA_FLOAT.withName("yarn_beta_fast"),
            JAVA_FLOAT.withName("yarn_beta_slow"),
            JAVA_INT.withName("yarn_orig_ctx"),
            JAVA_FLOAT.withName("defrag_thold"),
            ADDRESS.withName("cb_eval"),
            ADDRESS.withName("cb_eval_user_data"),
            JAVA_INT.withName("type_k"),
            JAVA_INT.withName("type_v"),
            ADDRESS.withName("abort_callback"),
            ADDRESS.withName("abort_callback_data"),
            JAVA_BOOLEAN.withName("embeddings"),
            JAVA_BOOLEAN.withName("offload_kqv"),
            JAVA_BOOLEAN.withName("no_perf"),
            JAVA_BOOLEAN.withName("op_offload"),
            JAVA_BOOLEAN.withName("swa_full"),
            JAVA_BOOLEAN.withName("kv_unified"),
            paddingLayout(2),
            ADDRESS.withName("samplers"),
            JAVA_LONG.withName("n_samplers"),
            ADDRESS.withName("ctx_other")).withName("llama_context_params");

    static final StructLayout BATCH = structLayout(
            JAVA_INT.withName("n_tokens"),
            paddingLayout(4),
            ADDRESS.withName("token"),
            ADDRESS.withName("embd"),
            ADDRESS.withName("pos"),
            ADDRESS.withName("n_seq_id"),
            ADDRESS.withName("seq_id"),
            ADDRESS.withName("logits")).withName("llama_batch");

    static final StructLayout QUANTIZE_PARAMS = structLayout(
            JAVA_INT.withName("nthread"),
            JAVA_INT.withName("ftype"),
            JAVA_INT.withName("output_tensor_type"),
            JAVA_INT.withName("token_embedding_type"),
            JAVA_BOOLEAN.withName("allow_requantize"),
            JAVA_BOOLEAN.withName("quantize_output_tensor"),
            JAVA_BOOLEAN.withName("only_copy"),
            JAVA_BOOLEAN.withName("pure"),
            JAVA_BOOLEAN.withName("keep_split"),
            JAVA_BOOLEAN.withName("dry_run"),
            paddingLayout(2),
            ADDRESS.withName("imatrix"),
            ADDRESS.withName("kv_overrides"),
            ADDRESS.withName("tt_overrides"),
            ADDRESS.withName("prune_layers"),
            JAVA_LONG.withName("max_buf_size")).withName("llama_model_quantize_params");

    static final StructLayout SAMPLER_CHAIN_PARAMS =
            structLayout(JAVA_BOOLEAN.withName("no_perf")).withName("llama_sampler_chain_params");

    /** {@code llama_token_data}: id, logit, p. */
    static final StructLayout TOKEN_DATA = structLayout(
            JAVA_INT.withName("id"),
            JAVA_FLOAT.withName("logit"),
            JAVA_FLOAT.withName("p")).withName("llama_token_data");

    /** {@code llama_token_data_array}: the samplers may replace {@code data} and shrink {@code size}. */
    static final StructLayout TOKEN_DATA_ARRAY = structLayout(
            ADDRESS.withName("data"),
            JAVA_LONG.withName("size"),
            JAVA_LONG.withName("selected"),
            JAVA_BOOLEAN.withName("sorted"),
            paddingLayout(7)).withName("llama_token_data_array");

    /** {@code llama_logit_bias}: token, bias. */
    static final StructLayout LOGIT_BIAS = structLayout(
            JAVA_INT.withName("token"),
            JAVA_FLOAT.withName("bias")).withName("llama_logit_bias");

    static long offset(StructLayout layout, String name) {
        return layout.byteOffset(PathElement.groupElement(name));
    }
}
