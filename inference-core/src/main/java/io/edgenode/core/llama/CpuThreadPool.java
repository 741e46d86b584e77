package io.edgenode.core.llama;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_INT;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.MemorySegment;
import java.lang.invoke.MethodHandle;

/**
 * A persistent ggml CPU thread pool attached to one context. Confined to the context's owner.
 *
 * <p>Why: without an attached pool, ggml creates and joins a fresh pool inside every
 * {@code llama_decode} (thread creation on the token path). llama.cpp's own tools attach one;
 * so do we. {@code poll} is ggml's polling level between graphs (0 = workers sleep on a condition
 * variable at once; 50 = llama.cpp's default, a bounded spin of ~6.5M rounds before sleeping).
 * We default to 0: a spinning worker on a 2-core box takes the core that Netty, sampling and
 * other requests need, and the measured decode cost of waking a sleeping worker is small
 * (benchmarks/results).
 */
final class CpuThreadPool implements AutoCloseable {
    /** {@code struct ggml_threadpool_params}: bool cpumask[512]; int n_threads; enum prio; uint32 poll; bool strict_cpu; bool paused. */
    private static final long PARAMS_SIZE = 528;
    private static final long POLL_OFFSET = 520;

    private final MethodHandle free;
    private MemorySegment pool;

    private CpuThreadPool(MemorySegment pool, MethodHandle free) {
        this.pool = pool;
        this.free = free;
    }

    /** Creates a pool of {@code threads} workers, or returns null when the CPU backend offers none. */
    static CpuThreadPool create(int threads, int poll) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment reg = (MemorySegment) LlamaNative.ggml_backend_reg_by_name.invokeExact(
                    arena.allocateFrom("CPU"));
            if (reg.equals(MemorySegment.NULL)) {
                return null;
            }
            MemorySegment newFn = (MemorySegment) LlamaNative.ggml_backend_reg_get_proc_address.invokeExact(
                    reg, arena.allocateFrom("ggml_threadpool_new"));
            MemorySegment freeFn = (MemorySegment) LlamaNative.ggml_backend_reg_get_proc_address.invokeExact(
                    reg, arena.allocateFrom("ggml_threadpool_free"));
            if (newFn.equals(MemorySegment.NULL) || freeFn.equals(MemorySegment.NULL)) {
                return null;
            }
            MemorySegment params = arena.allocate(PARAMS_SIZE, 4);
            LlamaNative.ggml_threadpool_params_init.invokeExact(params, threads);
            params.set(JAVA_INT, POLL_OFFSET, poll);
            MemorySegment pool = (MemorySegment) LlamaNative.pointer(newFn, FunctionDescriptor.of(ADDRESS, ADDRESS))
                    .invokeExact(params);
            if (pool.equals(MemorySegment.NULL)) {
                throw new ModelLoadException("ggml could not create a thread pool of " + threads + " threads");
            }
            return new CpuThreadPool(pool, LlamaNative.pointer(freeFn, FunctionDescriptor.ofVoid(ADDRESS)));
        } catch (Throwable t) {
            throw LlamaNative.rethrow(t);
        }
    }

    void attachTo(MemorySegment context) {
        try {
            LlamaNative.llama_attach_threadpool.invokeExact(context, pool, MemorySegment.NULL);
        } catch (Throwable t) {
            throw LlamaNative.rethrow(t);
        }
    }

    /** Frees the workers; the context must have been detached (or freed) first. */
    @Override
    public void close() {
        MemorySegment p = pool;
        if (p == null) {
            return;
        }
        pool = null;
        try {
            free.invokeExact(p);
        } catch (Throwable t) {
            throw LlamaNative.rethrow(t);
        }
    }
}
