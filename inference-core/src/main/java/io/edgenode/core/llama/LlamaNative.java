package io.edgenode.core.llama;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_BOOLEAN;
import static java.lang.foreign.ValueLayout.JAVA_FLOAT;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.SymbolLookup;
import java.lang.invoke.MethodHandle;
import java.util.List;

/**
 * Downcall handles for the llama.cpp C API of the pinned release (llama.cpp de3ff815,
 * {@code libllama.v0.5.0.so}). Signatures follow {@code include/llama.h} of that commit.
 *
 * <p>The handles are {@code static final} so the JIT treats them as constants on the token path
 * (STYLE 7). That makes the library process-global, which it is anyway: {@code dlopen} shares one
 * copy per process. This class must only be initialised after {@link LlamaLibrary#load} has loaded
 * the libraries and checked every symbol in {@link #REQUIRED_SYMBOLS}; nothing else references it.
 *
 * <p>Calls marked {@code critical} are short, never call back into Java (no logging on their
 * paths) and run on the token path; they skip the thread-state transition.
 */
final class LlamaNative {
    private LlamaNative() {}

    /** C {@code size_t} on the 64-bit platforms we support. */
    static final java.lang.foreign.ValueLayout.OfLong SIZE_T = JAVA_LONG;

    /** Every symbol the binding uses; checked up front so a wrong library fails with a clear message. */
    static final List<String> REQUIRED_SYMBOLS = List.of(
            "llama_backend_init", "llama_log_set", "llama_print_system_info",
            "llama_supports_gpu_offload", "llama_supports_mmap", "llama_supports_mlock", "llama_max_devices",
            "llama_model_default_params", "llama_context_default_params",
            "llama_sampler_chain_default_params", "llama_model_quantize_default_params",
            "llama_model_load_from_file", "llama_model_free", "llama_model_get_vocab",
            "llama_model_n_ctx_train", "llama_model_n_embd", "llama_model_n_layer", "llama_model_n_head",
            "llama_model_n_head_kv", "llama_model_n_params", "llama_model_size", "llama_model_desc",
            "llama_model_chat_template", "llama_model_meta_val_str", "llama_model_quantize",
            "llama_init_from_model", "llama_free", "llama_n_ctx", "llama_n_batch", "llama_n_ubatch",
            "llama_n_seq_max", "llama_get_memory", "llama_memory_clear", "llama_memory_seq_rm",
            "llama_memory_seq_cp", "llama_memory_seq_keep", "llama_memory_seq_pos_min",
            "llama_memory_seq_pos_max", "llama_state_seq_get_size_ext", "llama_state_seq_get_data_ext",
            "llama_state_seq_set_data_ext", "llama_decode", "llama_get_logits_ith", "llama_pooling_type",
            "llama_get_embeddings_seq", "llama_model_n_embd_out",
            "llama_vocab_n_tokens", "llama_vocab_type", "llama_vocab_bos", "llama_vocab_eos",
            "llama_vocab_eot", "llama_vocab_is_eog", "llama_vocab_is_control", "llama_vocab_get_add_bos",
            "llama_vocab_get_text", "llama_tokenize", "llama_token_to_piece", "llama_detokenize",
            "llama_sampler_chain_init", "llama_sampler_chain_add", "llama_sampler_init_greedy",
            "llama_sampler_init_dist", "llama_sampler_init_top_k", "llama_sampler_init_top_p",
            "llama_sampler_init_min_p", "llama_sampler_init_temp", "llama_sampler_init_penalties",
            "llama_sampler_sample", "llama_sampler_accept", "llama_sampler_apply",
            "llama_sampler_init_grammar", "llama_sampler_init_logit_bias", "llama_sampler_reset", "llama_sampler_free",
            "ggml_backend_load_all_from_path", "ggml_backend_reg_by_name", "ggml_backend_reg_get_proc_address",
            "ggml_threadpool_params_init", "llama_attach_threadpool", "llama_detach_threadpool");

    private static final Linker LINKER = Linker.nativeLinker();
    private static final SymbolLookup LOOKUP = SymbolLookup.loaderLookup();

    private static MethodHandle fn(String name, FunctionDescriptor descriptor, Linker.Option... options) {
        MemorySegment address = LOOKUP.find(name)
                .orElseThrow(() -> new LlamaLibraryException("symbol " + name + " missing from the loaded llama.cpp"));
        return LINKER.downcallHandle(address, descriptor, options);
    }

    private static final Linker.Option CRITICAL = Linker.Option.critical(false);

    // --- backend and library ---
    static final MethodHandle llama_backend_init = fn("llama_backend_init", FunctionDescriptor.ofVoid());
    static final MethodHandle llama_log_set = fn("llama_log_set", FunctionDescriptor.ofVoid(ADDRESS, ADDRESS));
    static final MethodHandle ggml_backend_load_all_from_path =
            fn("ggml_backend_load_all_from_path", FunctionDescriptor.ofVoid(ADDRESS));
    static final MethodHandle llama_print_system_info = fn("llama_print_system_info", FunctionDescriptor.of(ADDRESS));
    static final MethodHandle llama_supports_gpu_offload =
            fn("llama_supports_gpu_offload", FunctionDescriptor.of(JAVA_BOOLEAN));
    static final MethodHandle llama_supports_mmap = fn("llama_supports_mmap", FunctionDescriptor.of(JAVA_BOOLEAN));
    static final MethodHandle llama_supports_mlock = fn("llama_supports_mlock", FunctionDescriptor.of(JAVA_BOOLEAN));

    // --- CPU thread pools (ggml_threadpool_new/free live in the CPU backend module: via proc address) ---
    static final MethodHandle ggml_backend_reg_by_name =
            fn("ggml_backend_reg_by_name", FunctionDescriptor.of(ADDRESS, ADDRESS));
    static final MethodHandle ggml_backend_reg_get_proc_address =
            fn("ggml_backend_reg_get_proc_address", FunctionDescriptor.of(ADDRESS, ADDRESS, ADDRESS));
    static final MethodHandle ggml_threadpool_params_init =
            fn("ggml_threadpool_params_init", FunctionDescriptor.ofVoid(ADDRESS, JAVA_INT));
    static final MethodHandle llama_attach_threadpool =
            fn("llama_attach_threadpool", FunctionDescriptor.ofVoid(ADDRESS, ADDRESS, ADDRESS));
    static final MethodHandle llama_detach_threadpool =
            fn("llama_detach_threadpool", FunctionDescriptor.ofVoid(ADDRESS));

    /** A downcall to a function pointer obtained at run time (not on the token path). */
    static MethodHandle pointer(MemorySegment address, FunctionDescriptor descriptor) {
        return LINKER.downcallHandle(address, descriptor);
    }

    // --- default parameter structs (returned by value: the handle takes a SegmentAllocator first) ---
    static final MethodHandle llama_model_default_params =
            fn("llama_model_default_params", FunctionDescriptor.of(LlamaStructs.MODEL_PARAMS));
    static final MethodHandle llama_context_default_params =
            fn("llama_context_default_params", FunctionDescriptor.of(LlamaStructs.CONTEXT_PARAMS));
    static final MethodHandle llama_sampler_chain_default_params =
            fn("llama_sampler_chain_default_params", FunctionDescriptor.of(LlamaStructs.SAMPLER_CHAIN_PARAMS));
    static final MethodHandle llama_model_quantize_default_params =
            fn("llama_model_quantize_default_params", FunctionDescriptor.of(LlamaStructs.QUANTIZE_PARAMS));

    // --- model ---
    static final MethodHandle llama_model_load_from_file = fn("llama_model_load_from_file",
            FunctionDescriptor.of(ADDRESS, ADDRESS, LlamaStructs.MODEL_PARAMS));
    static final MethodHandle llama_model_free = fn("llama_model_free", FunctionDescriptor.ofVoid(ADDRESS));
    static final MethodHandle llama_model_get_vocab =
            fn("llama_model_get_vocab", FunctionDescriptor.of(ADDRESS, ADDRESS));
    static final MethodHandle llama_model_n_ctx_train =
            fn("llama_model_n_ctx_train", FunctionDescriptor.of(JAVA_INT, ADDRESS));
    static final MethodHandle llama_model_n_embd = fn("llama_model_n_embd", FunctionDescriptor.of(JAVA_INT, ADDRESS));
    static final MethodHandle llama_model_n_embd_out =
            fn("llama_model_n_embd_out", FunctionDescriptor.of(JAVA_INT, ADDRESS));
    static final MethodHandle llama_model_n_layer = fn("llama_model_n_layer", FunctionDescriptor.of(JAVA_INT, ADDRESS));
    static final MethodHandle llama_model_n_head = fn("llama_model_n_head", FunctionDescriptor.of(JAVA_INT, ADDRESS));
    static final MethodHandle llama_model_n_head_kv =
            fn("llama_model_n_head_kv", FunctionDescriptor.of(JAVA_INT, ADDRESS));
    static final MethodHandle llama_model_n_params =
            fn("llama_model_n_params", FunctionDescriptor.of(JAVA_LONG, ADDRESS));
    static final MethodHandle llama_model_size = fn("llama_model_size", FunctionDescriptor.of(JAVA_LONG, ADDRESS));
    static final MethodHandle llama_model_desc =
            fn("llama_model_desc", FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS, SIZE_T));
    static final MethodHandle llama_model_chat_template =
            fn("llama_model_chat_template", FunctionDescriptor.of(ADDRESS, ADDRESS, ADDRESS));
    static final MethodHandle llama_model_meta_val_str =
            fn("llama_model_meta_val_str", FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS, ADDRESS, SIZE_T));
    static final MethodHandle llama_model_quantize =
            fn("llama_model_quantize", FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS, ADDRESS));

    // --- context ---
    static final MethodHandle llama_init_from_model =
            fn("llama_init_from_model", FunctionDescriptor.of(ADDRESS, ADDRESS, LlamaStructs.CONTEXT_PARAMS));
    static final MethodHandle llama_free = fn("llama_free", FunctionDescriptor.ofVoid(ADDRESS));
    static final MethodHandle llama_n_ctx = fn("llama_n_ctx", FunctionDescriptor.of(JAVA_INT, ADDRESS));
    static final MethodHandle llama_n_batch = fn("llama_n_batch", FunctionDescriptor.of(JAVA_INT, ADDRESS));
    static final MethodHandle llama_n_ubatch = fn("llama_n_ubatch", FunctionDescriptor.of(JAVA_INT, ADDRESS));
    static final MethodHandle llama_n_seq_max = fn("llama_n_seq_max", FunctionDescriptor.of(JAVA_INT, ADDRESS));
    static final MethodHandle llama_get_memory = fn("llama_get_memory", FunctionDescriptor.of(ADDRESS, ADDRESS));
    static final MethodHandle llama_memory_clear =
            fn("llama_memory_clear", FunctionDescriptor.ofVoid(ADDRESS, JAVA_BOOLEAN));
    static final MethodHandle llama_memory_seq_rm =
            fn("llama_memory_seq_rm", FunctionDescriptor.of(JAVA_BOOLEAN, ADDRESS, JAVA_INT, JAVA_INT, JAVA_INT));
    static final MethodHandle llama_memory_seq_cp = fn("llama_memory_seq_cp",
            FunctionDescriptor.ofVoid(ADDRESS, JAVA_INT, JAVA_INT, JAVA_INT, JAVA_INT));
    static final MethodHandle llama_memory_seq_keep =
            fn("llama_memory_seq_keep", FunctionDescriptor.ofVoid(ADDRESS, JAVA_INT));
    static final MethodHandle llama_memory_seq_pos_min =
            fn("llama_memory_seq_pos_min", FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_INT), CRITICAL);
    static final MethodHandle llama_memory_seq_pos_max =
            fn("llama_memory_seq_pos_max", FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_INT), CRITICAL);
    static final MethodHandle llama_state_seq_get_size_ext = fn("llama_state_seq_get_size_ext",
            FunctionDescriptor.of(SIZE_T, ADDRESS, JAVA_INT, JAVA_INT));
    static final MethodHandle llama_state_seq_get_data_ext = fn("llama_state_seq_get_data_ext",
            FunctionDescriptor.of(SIZE_T, ADDRESS, ADDRESS, SIZE_T, JAVA_INT, JAVA_INT));
    static final MethodHandle llama_state_seq_set_data_ext = fn("llama_state_seq_set_data_ext",
            FunctionDescriptor.of(SIZE_T, ADDRESS, ADDRESS, SIZE_T, JAVA_INT, JAVA_INT));
    static final MethodHandle llama_decode =
            fn("llama_decode", FunctionDescriptor.of(JAVA_INT, ADDRESS, LlamaStructs.BATCH));
    static final MethodHandle llama_get_logits_ith =
            fn("llama_get_logits_ith", FunctionDescriptor.of(ADDRESS, ADDRESS, JAVA_INT));

    static final MethodHandle llama_pooling_type =
            fn("llama_pooling_type", FunctionDescriptor.of(JAVA_INT, ADDRESS));
    static final MethodHandle llama_get_embeddings_seq =
            fn("llama_get_embeddings_seq", FunctionDescriptor.of(ADDRESS, ADDRESS, JAVA_INT));

    // --- vocabulary ---
    static final MethodHandle llama_vocab_n_tokens =
            fn("llama_vocab_n_tokens", FunctionDescriptor.of(JAVA_INT, ADDRESS), CRITICAL);
    static final MethodHandle llama_vocab_type = fn("llama_vocab_type", FunctionDescriptor.of(JAVA_INT, ADDRESS));
    static final MethodHandle llama_vocab_bos = fn("llama_vocab_bos", FunctionDescriptor.of(JAVA_INT, ADDRESS));
    static final MethodHandle llama_vocab_eos = fn("llama_vocab_eos", FunctionDescriptor.of(JAVA_INT, ADDRESS));
    static final MethodHandle llama_vocab_eot = fn("llama_vocab_eot", FunctionDescriptor.of(JAVA_INT, ADDRESS));
    static final MethodHandle llama_vocab_is_eog =
            fn("llama_vocab_is_eog", FunctionDescriptor.of(JAVA_BOOLEAN, ADDRESS, JAVA_INT), CRITICAL);
    static final MethodHandle llama_vocab_is_control =
            fn("llama_vocab_is_control", FunctionDescriptor.of(JAVA_BOOLEAN, ADDRESS, JAVA_INT), CRITICAL);
    static final MethodHandle llama_vocab_get_add_bos =
            fn("llama_vocab_get_add_bos", FunctionDescriptor.of(JAVA_BOOLEAN, ADDRESS));
    static final MethodHandle llama_vocab_get_text =
            fn("llama_vocab_get_text", FunctionDescriptor.of(ADDRESS, ADDRESS, JAVA_INT));
    static final MethodHandle llama_tokenize = fn("llama_tokenize", FunctionDescriptor.of(JAVA_INT,
            ADDRESS, ADDRESS, JAVA_INT, ADDRESS, JAVA_INT, JAVA_BOOLEAN, JAVA_BOOLEAN));
    static final MethodHandle llama_token_to_piece = fn("llama_token_to_piece", FunctionDescriptor.of(JAVA_INT,
            ADDRESS, JAVA_INT, ADDRESS, JAVA_INT, JAVA_INT, JAVA_BOOLEAN), CRITICAL);
    static final MethodHandle llama_detokenize = fn("llama_detokenize", FunctionDescriptor.of(JAVA_INT,
            ADDRESS, ADDRESS, JAVA_INT, ADDRESS, JAVA_INT, JAVA_BOOLEAN, JAVA_BOOLEAN));

    // --- sampling ---
    static final MethodHandle llama_sampler_chain_init =
            fn("llama_sampler_chain_init", FunctionDescriptor.of(ADDRESS, LlamaStructs.SAMPLER_CHAIN_PARAMS));
    static final MethodHandle llama_sampler_chain_add =
            fn("llama_sampler_chain_add", FunctionDescriptor.ofVoid(ADDRESS, ADDRESS));
    static final MethodHandle llama_sampler_init_greedy =
            fn("llama_sampler_init_greedy", FunctionDescriptor.of(ADDRESS));
    static final MethodHandle llama_sampler_init_dist =
            fn("llama_sampler_init_dist", FunctionDescriptor.of(ADDRESS, JAVA_INT));
    static final MethodHandle llama_sampler_init_top_k =
            fn("llama_sampler_init_top_k", FunctionDescriptor.of(ADDRESS, JAVA_INT));
    static final MethodHandle llama_sampler_init_top_p =
            fn("llama_sampler_init_top_p", FunctionDescriptor.of(ADDRESS, JAVA_FLOAT, SIZE_T));
    static final MethodHandle llama_sampler_init_min_p =
            fn("llama_sampler_init_min_p", FunctionDescriptor.of(ADDRESS, JAVA_FLOAT, SIZE_T));
    static final MethodHandle llama_sampler_init_temp =
            fn("llama_sampler_init_temp", FunctionDescriptor.of(ADDRESS, JAVA_FLOAT));
    static final MethodHandle llama_sampler_init_penalties = fn("llama_sampler_init_penalties",
            FunctionDescriptor.of(ADDRESS, JAVA_INT, JAVA_INT, JAVA_FLOAT, JAVA_FLOAT, JAVA_FLOAT));
    static final MethodHandle llama_sampler_sample =
            fn("llama_sampler_sample", FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS, JAVA_INT));
    static final MethodHandle llama_sampler_accept =
            fn("llama_sampler_accept", FunctionDescriptor.ofVoid(ADDRESS, JAVA_INT));
    static final MethodHandle llama_sampler_apply =
            fn("llama_sampler_apply", FunctionDescriptor.ofVoid(ADDRESS, ADDRESS));
    /** Parses GBNF; logs its failures (the parser's own detail goes to stderr) and returns NULL. */
    static final MethodHandle llama_sampler_init_grammar =
            fn("llama_sampler_init_grammar", FunctionDescriptor.of(ADDRESS, ADDRESS, ADDRESS, ADDRESS));
    static final MethodHandle llama_sampler_init_logit_bias = fn("llama_sampler_init_logit_bias",
            FunctionDescriptor.of(ADDRESS, JAVA_INT, JAVA_INT, ADDRESS));
    static final MethodHandle llama_sampler_reset = fn("llama_sampler_reset", FunctionDescriptor.ofVoid(ADDRESS));
    static final MethodHandle llama_sampler_free = fn("llama_sampler_free", FunctionDescriptor.ofVoid(ADDRESS));

    /**
     * Passes runtime exceptions and errors through (use-after-close checks throw
     * IllegalStateException inside the try) and wraps anything checked. invokeExact declares
     * Throwable; downcalls themselves only throw on binding bugs.
     */
    static RuntimeException rethrow(Throwable t) {
        if (t instanceof RuntimeException e) {
            return e;
        }
        if (t instanceof Error e) {
            throw e;
        }
        return new LlamaException("native call failed: " + t, t);
    }
}
