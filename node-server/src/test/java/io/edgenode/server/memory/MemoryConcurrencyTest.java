package io.edgenode.server.memory;

import static io.edgenode.server.memory.MemoryServiceTest.json;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** Concurrent writers and readers on one index, on virtual threads as the HTTP node runs them. */
@Timeout(120)
class MemoryConcurrencyTest {
    @TempDir
    Path dir;

    @Test
    void shouldLetEveryWriterReadItsOwnWritesWhileReadersQuery() throws Exception {
        int writers = 4;
        int perWriter = 40;
        try (MemoryService memory = MemoryService.open(dir, MemoryServiceTest.EMBEDDERS);
                ExecutorService pool = Executors.newVirtualThreadPerTaskExecutor()) {
            memory.create(json("{'name':'c','dimensions':4,'metric':'cosine'}"));
            AtomicBoolean writing = new AtomicBoolean(true);
            ConcurrentLinkedQueue<Throwable> failures = new ConcurrentLinkedQueue<>();
            AtomicInteger reads = new AtomicInteger();
            List<Future<?>> readers = new ArrayList<>();
            for (int r = 0; r < 2; r++) {
                readers.add(pool.submit(() -> {
                    while (writing.get()) {
                        var got = memory.query("c", json("{'vector':[1,1,1,1],'top_k':5}"));
                        if (got.matches().size() > 5) {
                            failures.add(new AssertionError("more than top_k"));
                        }
                        reads.incrementAndGet();
                        // Virtual threads are not preempted: two readers spinning on a 2-core box
                        // would hold both carriers and starve the writers.
                        Thread.sleep(1);
                    }
                    return null;
                }));
            }
            CountDownLatch start = new CountDownLatch(1);
            List<Future<?>> ws = new ArrayList<>();
            for (int w = 0; w < writers; w++) {
                int writer = w;
                ws.add(pool.submit(() -> {
                    start.await();
                    for (int i = 0; i < perWriter; i++) {
                        String id = "w" + writer + "-" + i;
                        memory.write("c", json("{'vectors':[{'id':'" + id + "','values':[" + (writer + 1) + ",1,"
                                + i + ",1],'metadata':{'writer':" + writer + ",'seq':" + i + "}}]}"), false);
                        // Read-your-writes: the response above came back, so every read now sees it.
                        var q = memory.query("c", json("{'vector':[" + (writer + 1) + ",1," + i + ",1],'top_k':1,"
                                + "'filter':{'writer':" + writer + ",'seq':" + i + "}}"));
                        if (q.matches().size() != 1 || !q.matches().getFirst().id().equals(id)) {
                            failures.add(new AssertionError("writer " + writer + " does not see " + id));
                        }
                        if (memory.getByIds("c", json("{'ids':['" + id + "']}")).size() != 1) {
                            failures.add(new AssertionError("get_by_ids misses " + id));
                        }
                    }
                    return null;
                }));
            }
            start.countDown();
            try {
                for (Future<?> f : ws) {
                    f.get();
                }
            } finally {
                writing.set(false); // the readers stop also when a writer failed
            }
            for (Future<?> f : readers) {
                f.get();
            }
            assertTrue(failures.isEmpty(), failures.toString());
            assertTrue(reads.get() > 0);
            assertEquals(writers * perWriter, memory.info("c").vectorCount());
        }
    }

    @Test
    void shouldInsertEachIdExactlyOnceUnderRacingInserts() throws Exception {
        try (MemoryService memory = MemoryService.open(dir, MemoryServiceTest.EMBEDDERS);
                ExecutorService pool = Executors.newVirtualThreadPerTaskExecutor()) {
            memory.create(json("{'name':'i','dimensions':2,'metric':'euclidean'}"));
            AtomicInteger won = new AtomicInteger();
            AtomicInteger conflicts = new AtomicInteger();
            List<Future<?>> fs = new ArrayList<>();
            for (int t = 0; t < 4; t++) {
                int thread = t;
                fs.add(pool.submit(() -> {
                    for (int id = 0; id < 15; id++) {
                        try {
                            memory.write("i", json("{'vectors':[{'id':'" + id + "','values':[" + thread + ",0],"
                                    + "'metadata':{'by':" + thread + "}}]}"), true);
                            won.incrementAndGet();
                        } catch (MemoryException e) {
                            assertEquals(MemoryException.Kind.CONFLICT, e.kind());
                            conflicts.incrementAndGet();
                        }
                    }
                    return null;
                }));
            }
            for (Future<?> f : fs) {
                f.get();
            }
            assertEquals(15, won.get(), "one insert per id succeeds");
            assertEquals(45, conflicts.get());
            assertEquals(15, memory.info("i").vectorCount());
        }
    }

    @Test
    void shouldAnswerNotFoundNotFailureWhenAnIndexIsDeletedUnderWriters() throws Exception {
        try (MemoryService memory = MemoryService.open(dir, MemoryServiceTest.EMBEDDERS);
                ExecutorService pool = Executors.newVirtualThreadPerTaskExecutor()) {
            memory.create(json("{'name':'d','dimensions':2,'metric':'cosine'}"));
            ConcurrentLinkedQueue<Throwable> unexpected = new ConcurrentLinkedQueue<>();
            AtomicInteger notFound = new AtomicInteger();
            List<Future<?>> fs = new ArrayList<>();
            for (int t = 0; t < 3; t++) {
                int thread = t;
                fs.add(pool.submit(() -> {
                    for (int i = 0; i < 200; i++) {
                        try {
                            memory.write("d", json("{'vectors':[{'id':'" + thread + "-" + i + "','values':[1,"
                                    + i + "]}]}"), false);
                            memory.query("d", json("{'vector':[1,1]}"));
                        } catch (MemoryException e) {
                            if (e.kind() != MemoryException.Kind.NOT_FOUND) {
                                unexpected.add(e);
                            }
                            notFound.incrementAndGet();
                            return null;
                        } catch (Throwable e) {
                            unexpected.add(e);
                            return null;
                        }
                    }
                    return null;
                }));
            }
            Thread.sleep(300);
            memory.delete("d");
            for (Future<?> f : fs) {
                f.get();
            }
            assertTrue(unexpected.isEmpty(), unexpected.toString());
            assertTrue(memory.list().isEmpty());
        }
    }
}
