package io.edgenode.server.memory;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.edgenode.core.embed.Embedder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The memory service on real Lucene indexes in a temporary data directory. */
class MemoryServiceTest {
    static final ObjectMapper JSON = new ObjectMapper();
    static final Function<String, Optional<Embedder>> EMBEDDERS = id -> id.equals("hash-64")
            ? Optional.of(new HashingEmbedder("hash-64", 64)) : Optional.empty();

    @TempDir
    Path dir;
    MemoryService memory;

    @BeforeEach
    void open() throws Exception {
        memory = MemoryService.open(dir, EMBEDDERS);
    }

    @AfterEach
    void close() {
        memory.close();
    }

    static JsonNode json(String s) {
        try {
            return JSON.readTree(s.replace('\'', '"'));
        } catch (Exception e) {
            throw new IllegalArgumentException(s, e);
        }
    }

    void create(String name, int dims, String metric) {
        memory.create(json("{'name':'" + name + "','dimensions':" + dims + ",'metric':'" + metric + "'}"));
    }

    List<String> ids(MemoryService.QueryResult r) {
        return r.matches().stream().map(VectorMatch::id).toList();
    }

    MemoryException refused(MemoryException.Kind kind, Runnable r) {
        MemoryException e = assertThrows(MemoryException.class, r::run);
        assertEquals(kind, e.kind(), e.getMessage());
        return e;
    }

    @Test
    void shouldReturnNearestFirstWithCosineScoresAndOriginalValues() {
        create("c", 3, "cosine");
        memory.write("c", json("{'vectors':[{'id':'x','values':[2,0,0],'metadata':{'k':'v'}},"
                + "{'id':'y','values':[0,3,0]},{'id':'xy','values':[1,1,0]}]}"), false);
        var r = memory.query("c", json("{'vector':[1,0.1,0],'top_k':3,'return_values':true,'return_metadata':true}"));
        assertEquals(List.of("x", "xy", "y"), ids(r));
        double expected = 1 / Math.sqrt(1.01);
        assertEquals(expected, r.matches().get(0).score(), 1e-5);
        assertArrayEquals(new float[] {2, 0, 0}, r.matches().get(0).values(), 1e-5f, "de-normalised");
        assertEquals("{\"k\":\"v\"}", r.matches().get(0).metadataJson());
        assertEquals(3, memory.info("c").vectorCount());
    }

    @Test
    void shouldScoreDotAndEuclideanInTheirOwnUnits() {
        create("d", 2, "dot");
        create("e", 2, "euclidean");
        for (String n : List.of("d", "e")) {
            memory.write(n, json("{'vectors':[{'id':'a','values':[3,4]},{'id':'b','values':[-1,0]}]}"), false);
        }
        var d = memory.query("d", json("{'vector':[1,1],'top_k':2}"));
        assertEquals(List.of("a", "b"), ids(d));
        assertEquals(7.0, d.matches().get(0).score(), 1e-4);
        assertEquals(-1.0, d.matches().get(1).score(), 1e-4);
        var e = memory.query("e", json("{'vector':[0,0],'top_k':2}"));
        assertEquals(List.of("b", "a"), ids(e));
        assertEquals(1.0, e.matches().get(0).score(), 1e-4);
        assertEquals(5.0, e.matches().get(1).score(), 1e-4);
    }

    @Test
    void shouldFilterOnStringsNumbersAndBooleansWithEveryOperator() {
        create("f", 2, "euclidean");
        memory.write("f", json("{'vectors':["
                + "{'id':'a','values':[0,0],'metadata':{'genre':'jazz','year':1959,'live':true,'meta':{'n':1}}},"
                + "{'id':'b','values':[1,0],'metadata':{'genre':'rock','year':1971,'live':false}},"
                + "{'id':'c','values':[2,0],'metadata':{'genre':'jazz','year':2001}},"
                + "{'id':'d','values':[3,0]}]}"), false);
        Map<String, List<String>> cases = Map.ofEntries(
                Map.entry("{'genre':'jazz'}", List.of("a", "c")),
                Map.entry("{'genre':{'$eq':'rock'}}", List.of("b")),
                Map.entry("{'genre':{'$ne':'jazz'}}", List.of("b", "d")),
                Map.entry("{'genre':{'$in':['rock','pop']}}", List.of("b")),
                Map.entry("{'genre':{'$nin':['rock']}}", List.of("a", "c", "d")),
                Map.entry("{'genre':{'$gte':'k'}}", List.of("b")),
                Map.entry("{'genre':{'$lt':'k'}}", List.of("a", "c")),
                Map.entry("{'year':1959}", List.of("a")),
                Map.entry("{'year':{'$gt':1959}}", List.of("b", "c")),
                Map.entry("{'year':{'$gte':1959,'$lt':2000}}", List.of("a", "b")),
                Map.entry("{'year':{'$lte':1971.0}}", List.of("a", "b")),
                Map.entry("{'year':{'$in':[2001,1971]}}", List.of("b", "c")),
                Map.entry("{'live':true}", List.of("a")),
                Map.entry("{'live':{'$ne':true}}", List.of("b", "c", "d")),
                Map.entry("{'meta.n':1}", List.of("a")),
                Map.entry("{'year':'1959'}", List.of()),
                Map.entry("{'genre':'jazz','year':{'$gt':2000}}", List.of("c")));
        for (var c : cases.entrySet()) {
            var r = memory.query("f", json("{'vector':[0,0],'top_k':10,'filter':" + c.getKey() + "}"));
            assertEquals(c.getValue(), ids(r), c.getKey());
        }
    }

    @Test
    void shouldRefuseFiltersOnUnsupportedTypesAndUnknownOperators() {
        create("f", 2, "cosine");
        for (String f : List.of("{'k':null}", "{'k':[1]}", "{'k':{'$lt':true}}", "{'k':{'$in':[]}}",
                "{'k':{'$in':[{'a':1}]}}", "{'k':{'$regex':'x'}}", "{'k':{}}", "[1]", "{'k':{'$eq':{'a':1}}}")) {
            var e = refused(MemoryException.Kind.INVALID,
                    () -> memory.query("f", json("{'vector':[1,0],'filter':" + f + "}")));
            assertTrue(e.param().startsWith("filter"), f + " -> " + e.param());
        }
    }

    @Test
    void shouldKeepNamespacesApart() {
        create("n", 2, "cosine");
        memory.write("n", json("{'vectors':[{'id':'a','values':[1,0]},{'id':'b','values':[1,0],'namespace':'s1'},"
                + "{'id':'c','values':[1,0],'namespace':'s2'}]}"), false);
        assertEquals(List.of("a"), ids(memory.query("n", json("{'vector':[1,0]}"))));
        assertEquals(List.of("b"), ids(memory.query("n", json("{'vector':[1,0],'namespace':'s1'}"))));
        assertEquals(1, memory.deleteNamespace("s2"));
        assertEquals(List.of(), ids(memory.query("n", json("{'vector':[1,0],'namespace':'s2'}"))));
        assertEquals("s1", memory.getByIds("n", json("{'ids':['b']}")).getFirst().namespace());
    }

    @Test
    void shouldReplaceOnUpsertAndRefuseExistingIdsOnInsertStoringNothing() {
        create("i", 2, "cosine");
        memory.write("i", json("{'vectors':[{'id':'a','values':[1,0],'metadata':{'v':1}}]}"), false);
        memory.write("i", json("{'vectors':[{'id':'a','values':[0,1],'metadata':{'v':2}}]}"), false);
        var got = memory.getByIds("i", json("{'ids':['a','zz']}"));
        assertEquals(1, got.size());
        assertArrayEquals(new float[] {0, 1}, got.getFirst().values(), 1e-6f);
        assertEquals("{\"v\":2}", got.getFirst().metadataJson());
        var e = refused(MemoryException.Kind.CONFLICT, () -> memory.write("i",
                json("{'vectors':[{'id':'new','values':[1,1]},{'id':'a','values':[1,1]}]}"), true));
        assertTrue(e.getMessage().contains("a"), e.getMessage());
        assertEquals(1, memory.info("i").vectorCount(), "nothing of the refused batch stored");
        memory.write("i", json("{'vectors':[{'id':'new','values':[1,1]}]}"), true);
        assertEquals(2, memory.info("i").vectorCount());
    }

    @Test
    void shouldGetAndDeleteByIds() {
        create("g", 2, "cosine");
        memory.write("g", json("{'vectors':[{'id':'a','values':[1,0]},{'id':'b','values':[0,1]},"
                + "{'id':'c','values':[1,1]}]}"), false);
        assertEquals(List.of("c", "a"), memory.getByIds("g", json("{'ids':['c','a','nope']}")).stream()
                .map(VectorMatch::id).toList());
        assertEquals(2, memory.deleteByIds("g", json("{'ids':['a','b','nope']}")));
        assertEquals(0, memory.deleteByIds("g", json("{'ids':['a']}")));
        assertEquals(List.of("c"), ids(memory.query("g", json("{'vector':[1,0]}"))));
    }

    @Test
    void shouldRefuseBadVectorsAndStoreNothingOfTheBatch() {
        create("b", 3, "cosine");
        String good = "{'id':'ok','values':[1,2,3]}";
        Map<String, String> cases = Map.ofEntries(
                Map.entry("{'id':'x','values':[1,2]}", "vectors[1].values"),
                Map.entry("{'id':'x','values':[1,2,1e39]}", "vectors[1].values[2]"),
                Map.entry("{'id':'x','values':[1,'2',3]}", "vectors[1].values[1]"),
                Map.entry("{'id':'x','values':[0,0,0]}", "vectors[1].values"),
                Map.entry("{'id':'x'}", "vectors[1]"),
                Map.entry("{'id':'x','values':[1,2,3],'text':'both'}", "vectors[1]"),
                Map.entry("{'id':'','values':[1,2,3]}", "vectors[1].id"),
                Map.entry("{'id':5,'values':[1,2,3]}", "vectors[1].id"),
                Map.entry("{'id':'ok','values':[1,2,3]}", "vectors[1].id"),
                Map.entry("{'id':'x','values':[1,2,3],'metadata':[1]}", "vectors[1].metadata"),
                Map.entry("{'id':'x','values':[1,2,3],'metdata':{}}", "vectors[1].metdata"),
                Map.entry("{'id':'x','text':'no model here'}", "vectors[1].text"),
                Map.entry("{'id':'x','values':[1,2,3],'metadata':{'big':'" + "m".repeat(11 * 1024) + "'}}",
                        "vectors[1].metadata"));
        for (var c : cases.entrySet()) {
            var e = refused(MemoryException.Kind.INVALID,
                    () -> memory.write("b", json("{'vectors':[" + good + "," + c.getKey() + "]}"), false));
            assertEquals(c.getValue(), e.param(), c.getKey());
        }
        refused(MemoryException.Kind.INVALID, () -> memory.write("b", json("{'vectors':[]}"), false));
        StringBuilder many = new StringBuilder("{'vectors':[");
        for (int i = 0; i <= MemoryRequests.MAX_BATCH; i++) {
            many.append(i == 0 ? "" : ",").append("{'id':'v").append(i).append("','values':[1,2,3]}");
        }
        refused(MemoryException.Kind.INVALID, () -> memory.write("b", json(many + "]}"), false));
        assertEquals(0, memory.info("b").vectorCount(), "no batch stored half-way");
    }

    @Test
    void shouldCapTheDistinctMetadataKeysOfAnIndex() {
        create("k", 2, "cosine");
        int written = 0;
        MemoryException refusedAt = null;
        for (int batch = 0; batch < 30 && refusedAt == null; batch++) {
            StringBuilder meta = new StringBuilder("{");
            for (int k = 0; k < 50; k++) {
                meta.append(k == 0 ? "" : ",").append("'key").append(batch * 50 + k).append("':1");
            }
            try {
                memory.write("k", json("{'vectors':[{'id':'v" + batch + "','values':[1,0],'metadata':" + meta
                        + "}}]}"), false);
                written++;
            } catch (MemoryException e) {
                refusedAt = e;
            }
        }
        assertTrue(refusedAt != null, "a cap exists");
        assertEquals("too_many_metadata_keys", refusedAt.code());
        assertEquals(VectorIndex.MAX_FIELDS / 50, written, "refused only past the cap");
        assertEquals(written, memory.info("k").vectorCount());
        memory.write("k", json("{'vectors':[{'id':'again','values':[1,0],'metadata':{'key1':2}}]}"), false);
    }

    @Test
    void shouldRefuseBadQueries() {
        create("q", 2, "cosine");
        for (var c : Map.of("{'vector':[1,0],'top_k':0}", "top_k", "{'vector':[1,0],'top_k':101}", "top_k",
                "{'vector':[1,0],'top_k':2.5}", "top_k", "{'vector':[1]}", "vector", "{'vector':[0,0]}", "vector",
                "{}", "vector", "{'vector':[1,0],'topk':3}", "topk", "{'vector':[1,0],'return_values':'yes'}",
                "return_values").entrySet()) {
            var e = refused(MemoryException.Kind.INVALID, () -> memory.query("q", json(c.getKey())));
            assertEquals(c.getValue(), e.param(), c.getKey());
        }
        refused(MemoryException.Kind.NOT_FOUND, () -> memory.query("nope", json("{'vector':[1,0]}")));
    }

    @Test
    void shouldCreateListAndDeleteIndexesWithTheirFolders() {
        create("one", 4, "dot");
        memory.create(json("{'name':'two','embedding_model':'hash-64'}"));
        assertEquals(List.of("one", "two"), memory.list().stream().map(i -> i.spec().name()).toList());
        assertEquals(64, memory.info("two").spec().dimensions());
        refused(MemoryException.Kind.CONFLICT, () -> create("one", 4, "dot"));
        for (String bad : List.of("{'name':'../x','dimensions':2}", "{'name':'a','dimensions':0}",
                "{'name':'a','dimensions':4097}", "{'name':'a','dimensions':2,'metric':'manhattan'}",
                "{'name':'a'}", "{'name':'a','embedding_model':'nope'}",
                "{'name':'a','embedding_model':'hash-64','dimensions':3}")) {
            refused(MemoryException.Kind.INVALID, () -> memory.create(json(bad)));
        }
        assertTrue(Files.exists(dir.resolve("indexes/one/index.json")));
        memory.delete("one");
        assertFalse(Files.exists(dir.resolve("indexes/one")));
        refused(MemoryException.Kind.NOT_FOUND, () -> memory.delete("one"));
        refused(MemoryException.Kind.NOT_FOUND, () -> memory.info("one"));
    }

    @Test
    void shouldKeepEverythingAcknowledgedAcrossAReopen() throws Exception {
        create("p", 2, "cosine");
        memory.write("p", json("{'vectors':[{'id':'a','values':[1,0],'metadata':{'t':'x'},'namespace':'ns'}]}"), false);
        memory.close();
        memory = MemoryService.open(dir, EMBEDDERS);
        var got = memory.getByIds("p", json("{'ids':['a']}"));
        assertEquals(1, got.size());
        assertEquals("ns", got.getFirst().namespace());
        assertEquals(List.of("a"), ids(memory.query("p", json("{'vector':[1,0],'namespace':'ns','filter':{'t':'x'}}"))));
    }

    @Test
    void shouldKeepServingOtherIndexesWhenOneCannotBeOpened() throws Exception {
        create("good", 2, "cosine");
        create("bad", 2, "cosine");
        memory.write("good", json("{'vectors':[{'id':'a','values':[1,0]}]}"), false);
        memory.close();
        try (var files = Files.list(dir.resolve("indexes/bad/lucene"))) {
            for (Path f : files.filter(f -> f.getFileName().toString().startsWith("segments")).toList()) {
                Files.write(f, new byte[] {1, 2, 3}); // a damaged commit point
            }
        }
        memory = MemoryService.open(dir, EMBEDDERS);
        assertEquals(1, memory.info("good").vectorCount());
        refused(MemoryException.Kind.UNAVAILABLE, () -> memory.info("bad"));
        refused(MemoryException.Kind.CONFLICT, () -> create("bad", 2, "cosine"));
        assertTrue(Files.exists(dir.resolve("indexes/bad/lucene")), "damaged files are left alone");
        memory.delete("bad");
        create("bad", 2, "cosine");
        assertEquals(0, memory.info("bad").vectorCount());
    }

    @Test
    void shouldEmbedTextOnWriteAndQueryAndKeepItInMetadata() {
        memory.create(json("{'name':'t','embedding_model':'hash-64'}"));
        var w = memory.write("t", json("{'vectors':[{'id':'seat','text':'the user prefers aisle seats on flights'},"
                + "{'id':'food','text':'vegetarian meals only','metadata':{'kind':'diet'}}]}"), false);
        assertTrue(w.embeddingTokens() > 0);
        var r = memory.query("t", json("{'text':'which seats does the user prefer','top_k':1,'return_metadata':true}"));
        assertEquals(List.of("seat"), ids(r));
        assertTrue(r.matches().getFirst().metadataJson().contains("aisle seats"));
        assertTrue(r.embeddingTokens() > 0);
        assertEquals(List.of("food"), ids(memory.query("t", json("{'text':'seats','filter':{'kind':'diet'}}"))));
        refused(MemoryException.Kind.INVALID, () -> memory.write("t",
                json("{'vectors':[{'id':'x','text':'a b','metadata':{'text':'c'}}]}"), false));
        refused(MemoryException.Kind.INVALID, () -> memory.write("t",
                json("{'vectors':[{'id':'x','text':'" + "w ".repeat(200) + "'}]}"), false));
        assertEquals(2, memory.info("t").vectorCount());
    }

    @Test
    void shouldAnswer503ForTextWhenTheModelIsGone() throws Exception {
        memory.create(json("{'name':'t','embedding_model':'hash-64'}"));
        memory.close();
        memory = MemoryService.open(dir, id -> Optional.empty());
        refused(MemoryException.Kind.UNAVAILABLE, () -> memory.query("t", json("{'text':'anything'}")));
        memory.write("t", json("{'vectors':[{'id':'v','values':" + unit(64) + "}]}"), false);
        assertEquals(1, memory.info("t").vectorCount(), "vectors still go in without the model");
    }

    static String unit(int dims) {
        StringBuilder sb = new StringBuilder("[1");
        for (int i = 1; i < dims; i++) {
            sb.append(",0");
        }
        return sb.append(']').toString();
    }

    @Test
    void shouldSearchExactlyUnderASelectiveFilter() {
        create("x", 8, "euclidean");
        java.util.Random rnd = new java.util.Random(7);
        float[][] all = new float[2000][8];
        StringBuilder batch = new StringBuilder();
        for (int i = 0; i < all.length; i++) {
            StringBuilder v = new StringBuilder();
            for (int d = 0; d < 8; d++) {
                all[i][d] = rnd.nextFloat();
                v.append(d == 0 ? "" : ",").append(all[i][d]);
            }
            batch.append(batch.isEmpty() ? "" : ",").append("{'id':'").append(i).append("','values':[").append(v)
                    .append("],'metadata':{'bucket':").append(i % 50).append("}}");
            if ((i + 1) % 1000 == 0) {
                memory.write("x", json("{'vectors':[" + batch + "]}"), false);
                batch.setLength(0);
            }
        }
        float[] q = all[3].clone();
        q[0] += 0.5f;
        List<String> expected = java.util.stream.IntStream.range(0, all.length).filter(i -> i % 50 == 7).boxed()
                .sorted(java.util.Comparator.comparingDouble(i -> dist(all[i], q))).limit(10)
                .map(String::valueOf).toList();
        StringBuilder qs = new StringBuilder();
        for (float f : q) {
            qs.append(qs.isEmpty() ? "" : ",").append(f);
        }
        var r = memory.query("x", json("{'vector':[" + qs + "],'top_k':10,'filter':{'bucket':7}}"));
        assertEquals(expected, ids(r));
    }

    static double dist(float[] a, float[] b) {
        double s = 0;
        for (int i = 0; i < a.length; i++) {
            s += (a[i] - b[i]) * (a[i] - b[i]);
        }
        return s;
    }
}
