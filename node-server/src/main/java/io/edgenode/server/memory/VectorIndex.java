package io.edgenode.server.memory;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.locks.ReentrantLock;
import org.apache.lucene.codecs.KnnVectorsFormat;
import org.apache.lucene.codecs.lucene103.Lucene103Codec;
import org.apache.lucene.codecs.lucene99.Lucene99HnswVectorsFormat;
import org.apache.lucene.document.Document;
import org.apache.lucene.document.Field;
import org.apache.lucene.document.KnnFloatVectorField;
import org.apache.lucene.document.StoredField;
import org.apache.lucene.document.StringField;
import org.apache.lucene.index.FloatVectorValues;
import org.apache.lucene.index.IndexWriter;
import org.apache.lucene.index.IndexWriterConfig;
import org.apache.lucene.index.KnnVectorValues;
import org.apache.lucene.index.LeafReaderContext;
import org.apache.lucene.index.ReaderUtil;
import org.apache.lucene.index.SegmentReader;
import org.apache.lucene.index.StoredFields;
import org.apache.lucene.index.Term;
import org.apache.lucene.search.BooleanClause.Occur;
import org.apache.lucene.search.BooleanQuery;
import org.apache.lucene.search.IndexSearcher;
import org.apache.lucene.search.KnnFloatVectorQuery;
import org.apache.lucene.search.MatchAllDocsQuery;
import org.apache.lucene.search.Query;
import org.apache.lucene.search.ScoreDoc;
import org.apache.lucene.search.SearcherManager;
import org.apache.lucene.search.TermInSetQuery;
import org.apache.lucene.search.TermQuery;
import org.apache.lucene.search.TopDocs;
import org.apache.lucene.store.Directory;
import org.apache.lucene.store.FSDirectory;
import org.apache.lucene.util.BytesRef;

/**
 * One durable vector index, used from any thread (request virtual threads; never an event loop,
 * since every method blocks on disk I/O): a Lucene directory with one {@link IndexWriter} and an
 * NRT {@link SearcherManager}.
 *
 * <p>Invariants:
 * <ul>
 *   <li><b>Atomic batches.</b> A batch is one {@code IndexWriter.updateDocuments(delete-query,
 *       docs)} call, which Lucene applies atomically with respect to commits and readers: a crash
 *       keeps all of a batch or none of it.</li>
 *   <li><b>Durable before acknowledged.</b> Every write returns only after an
 *       {@code IndexWriter.commit()} that covers it (fsync of the new segment files and the
 *       segments file). Commits are grouped: a writer whose operation a concurrent commit already
 *       covered returns without committing again ({@link #durable}).</li>
 *   <li><b>Read-your-writes.</b> After the commit the writer refreshes the searcher
 *       ({@code maybeRefreshBlocking}, which refreshes after any refresh already running), so any
 *       read that starts after a write returned sees it.</li>
 *   <li><b>Ids are unique in the index</b> (namespaces are an attribute, as in Vectorize): writes
 *       are serialised on {@code applyLock}, which makes {@code insert}'s existence check and its
 *       write one step.</li>
 * </ul>
 */
public final class VectorIndex implements AutoCloseable {
    static final String ID = "_id";
    static final String NAMESPACE = "_ns";
    static final String VECTOR = "_vec";
    static final String NORM = "_norm";
    static final String METADATA = "_meta";
    private static final Set<String> STORED = Set.of(ID, NAMESPACE, NORM, METADATA);
    /**
     * Distinct filterable metadata fields one index may have. Every field name Lucene has seen
     * stays in every segment's field infos for good, so without a cap a client inventing new keys
     * grows each index's heap and files without bound.
     */
    static final int MAX_FIELDS = 1024;

    private final IndexSpec spec;
    private final Directory directory;
    private final IndexWriter writer;
    private final SearcherManager searchers;
    /** Serialises writes (apply only; commits happen outside it). Fair: writers proceed in arrival order. */
    private final ReentrantLock applyLock = new ReentrantLock(true);
    private final ReentrantLock commitLock = new ReentrantLock();
    private long committedSeqNo = -1; // guarded by commitLock

    private VectorIndex(IndexSpec spec, Directory directory, IndexWriter writer, SearcherManager searchers) {
        this.spec = spec;
        this.directory = directory;
        this.writer = writer;
        this.searchers = searchers;
    }

    /** Opens (or creates) the Lucene index of {@code spec} in {@code dir}. */
    public static VectorIndex open(IndexSpec spec, Path dir) throws IOException {
        Objects.requireNonNull(spec, "spec");
        Directory directory = FSDirectory.open(dir);
        try {
            IndexWriterConfig config = new IndexWriterConfig();
            KnnVectorsFormat hnsw = new Lucene99HnswVectorsFormat(spec.hnswM(), spec.beamWidth());
            // The default codec with our HNSW parameters. It keeps the default codec's name, so a
            // reader needs nothing of ours: the vectors format is recorded per field by name.
            config.setCodec(new Lucene103Codec() {
                @Override
                public KnnVectorsFormat getKnnVectorsFormatForField(String field) {
                    return hnsw;
                }
            });
            config.setOpenMode(IndexWriterConfig.OpenMode.CREATE_OR_APPEND);
            config.setRAMBufferSizeMB(64);
            // Every write commits, so Lucene's merge-on-commit (wait up to 500 ms for small merges
            // of the flushed segments) would sit in every write's latency: merges run in the
            // background instead.
            config.setMaxFullFlushMergeWaitMillis(0);
            // A commit fsyncs every file it references that is not yet synced, merged segments
            // included (hundreds of MB after a large HNSW merge): that fsync would land in the
            // latency of whichever write commits next. The merge thread syncs its own output
            // before publishing it, so the next commit's fsync of those files is cheap.
            config.setMergedSegmentWarmer(reader -> {
                if (reader instanceof SegmentReader segment) {
                    directory.sync(segment.getSegmentInfo().files());
                }
            });
            IndexWriter writer = new IndexWriter(directory, config);
            try {
                writer.commit(); // a fresh index has a segments file from the start
                return new VectorIndex(spec, directory, writer, new SearcherManager(writer, null));
            } catch (IOException | RuntimeException e) {
                writer.rollback();
                throw e;
            }
        } catch (IOException | RuntimeException e) {
            directory.close();
            throw e;
        }
    }

    public IndexSpec spec() {
        return spec;
    }

    /**
     * Writes {@code records} (already validated against this index, ids unique in the batch),
     * replacing vectors with the same ids; durable and visible when it returns. With
     * {@code insert}, refuses the whole batch (409) if any id exists. Returns the number written.
     */
    public int write(List<VectorRecord> records, boolean insert) throws IOException {
        if (records.isEmpty()) {
            return 0;
        }
        List<Document> docs = new ArrayList<>(records.size());
        List<BytesRef> ids = new ArrayList<>(records.size());
        for (VectorRecord r : records) {
            if (r.values().length != spec.dimensions()) {
                throw new IllegalArgumentException("record " + r.id() + " has " + r.values().length + " dimensions");
            }
            docs.add(document(r));
            ids.add(new BytesRef(r.id()));
        }
        long seqNo;
        applyLock.lock();
        try {
            if (insert) {
                searchers.maybeRefreshBlocking(); // sees every write applied before this one
                List<String> existing = existing(ids);
                if (!existing.isEmpty()) {
                    throw new MemoryException(MemoryException.Kind.CONFLICT, "vectors", "vector_exists",
                            "insert refuses ids that exist (use upsert to replace them): "
                                    + String.join(", ", existing.subList(0, Math.min(10, existing.size())))
                                    + (existing.size() > 10 ? " and " + (existing.size() - 10) + " more" : ""));
                }
            }
            checkFieldCount(docs);
            seqNo = writer.updateDocuments(new TermInSetQuery(ID, ids), docs);
        } finally {
            applyLock.unlock();
        }
        durable(seqNo);
        return records.size();
    }

    /** Refuses a batch that would take the index past {@link #MAX_FIELDS} fields (caller holds {@code applyLock}). */
    private void checkFieldCount(List<Document> docs) {
        Set<String> known = writer.getFieldNames();
        Set<String> added = new java.util.HashSet<>();
        for (Document d : docs) {
            for (var f : d.getFields()) {
                if (!known.contains(f.name())) {
                    added.add(f.name());
                }
            }
        }
        if (!added.isEmpty() && known.size() + added.size() > MAX_FIELDS + 5) { // + our own 5 fields
            throw new MemoryException(MemoryException.Kind.INVALID, "vectors", "too_many_metadata_keys",
                    "index `" + spec.name() + "` may hold at most " + MAX_FIELDS + " distinct metadata keys"
                            + " (per type); this batch would add " + added.size() + " to "
                            + Math.max(0, known.size() - 5));
        }
    }

    /** Deletes the vectors with these ids; returns how many existed. Durable and visible when it returns. */
    public int deleteByIds(Collection<String> ids) throws IOException {
        List<BytesRef> terms = ids.stream().map(BytesRef::new).toList();
        if (terms.isEmpty()) {
            return 0;
        }
        return delete(new TermInSetQuery(ID, terms));
    }

    /** Deletes every vector in {@code namespace}; returns how many there were. */
    public int deleteNamespace(String namespace) throws IOException {
        return delete(new TermQuery(new Term(NAMESPACE, namespace)));
    }

    private int delete(Query query) throws IOException {
        long seqNo;
        int count;
        applyLock.lock();
        try {
            searchers.maybeRefreshBlocking();
            IndexSearcher s = searchers.acquire();
            try {
                count = s.count(query);
            } finally {
                searchers.release(s);
            }
            if (count == 0) {
                return 0;
            }
            seqNo = writer.deleteDocuments(query);
        } finally {
            applyLock.unlock();
        }
        durable(seqNo);
        return count;
    }

    /** The ids among {@code ids} that exist (caller holds {@code applyLock} and refreshed). */
    private List<String> existing(List<BytesRef> ids) throws IOException {
        IndexSearcher s = searchers.acquire();
        try {
            TopDocs top = s.search(new TermInSetQuery(ID, ids), ids.size());
            List<String> out = new ArrayList<>();
            StoredFields stored = s.storedFields();
            for (ScoreDoc d : top.scoreDocs) {
                out.add(stored.document(d.doc, Set.of(ID)).get(ID));
            }
            return out;
        } finally {
            searchers.release(s);
        }
    }

    /**
     * Returns once a commit covering operation {@code seqNo} is on disk and the searcher shows it.
     * Group commit: writers that queued while a commit ran find their operation covered by the next
     * one, so N concurrent writers cost far fewer than N fsyncs.
     */
    private void durable(long seqNo) throws IOException {
        commitLock.lock();
        try {
            if (committedSeqNo < seqNo) {
                // commit() returns the sequence number of the last operation it holds: every
                // operation applied before the call, ours included.
                committedSeqNo = Math.max(committedSeqNo, writer.commit());
            }
        } finally {
            commitLock.unlock();
        }
        searchers.maybeRefreshBlocking();
    }

    private Document document(VectorRecord r) {
        Document doc = new Document();
        doc.add(new StringField(ID, r.id(), Field.Store.YES));
        doc.add(new StringField(NAMESPACE, r.namespace(), Field.Store.YES));
        float[] v = r.values();
        if (spec.metric().normalises()) {
            double norm = norm(v);
            if (norm == 0) {
                throw MemoryException.invalid("values", "a cosine index cannot hold the zero vector (id " + r.id() + ")");
            }
            float[] unit = new float[v.length];
            for (int i = 0; i < v.length; i++) {
                unit[i] = (float) (v[i] / norm);
            }
            v = unit;
            doc.add(new StoredField(NORM, (float) norm));
        }
        doc.add(new KnnFloatVectorField(VECTOR, v, spec.metric().lucene()));
        if (r.metadataJson() != null) {
            doc.add(new StoredField(METADATA, r.metadataJson()));
        }
        MetadataFields.addTo(doc, r.fields());
        return doc;
    }

    static double norm(float[] v) {
        double sum = 0;
        for (float x : v) {
            sum += (double) x * x;
        }
        return Math.sqrt(sum);
    }

    /** The {@code topK} nearest vectors in the query's namespace that pass its filter, closest first. */
    public List<VectorMatch> query(VectorQuery q) throws IOException {
        if (q.vector().length != spec.dimensions()) {
            throw new IllegalArgumentException("query has " + q.vector().length + " dimensions");
        }
        float[] target = q.vector();
        if (spec.metric().normalises()) {
            double norm = norm(target);
            if (norm == 0) {
                throw MemoryException.invalid("vector", "the zero vector has no cosine similarity");
            }
            target = new float[target.length];
            for (int i = 0; i < target.length; i++) {
                target[i] = (float) (q.vector()[i] / norm);
            }
        }
        BooleanQuery.Builder filter = new BooleanQuery.Builder()
                .add(new TermQuery(new Term(NAMESPACE, q.namespace())), Occur.FILTER);
        MetadataFilter.addClauses(q.filter(), filter);
        // Lucene's k is both the graph search's candidate list (ef) and the number kept; a selective
        // filter makes it search exactly (it visits the filtered docs when cheaper than the graph).
        Query knn = new KnnFloatVectorQuery(VECTOR, target, q.numCandidates(), filter.build());
        IndexSearcher s = searchers.acquire();
        try {
            TopDocs top = s.search(knn, q.topK());
            return read(s, top.scoreDocs, q.returnValues(), q.returnMetadata(), true);
        } finally {
            searchers.release(s);
        }
    }

    /** The vectors with these ids that exist (in any namespace), in the order asked, with values and metadata. */
    public List<VectorMatch> getByIds(List<String> ids) throws IOException {
        if (ids.isEmpty()) {
            return List.of();
        }
        IndexSearcher s = searchers.acquire();
        try {
            List<BytesRef> terms = ids.stream().map(BytesRef::new).toList();
            TopDocs top = s.search(new TermInSetQuery(ID, terms), ids.size());
            Map<String, VectorMatch> byId = new HashMap<>();
            for (VectorMatch m : read(s, top.scoreDocs, true, true, false)) {
                byId.put(m.id(), m);
            }
            List<VectorMatch> out = new ArrayList<>();
            for (String id : new LinkedHashSet<>(ids)) {
                VectorMatch m = byId.get(id);
                if (m != null) {
                    out.add(m);
                }
            }
            return out;
        } finally {
            searchers.release(s);
        }
    }

    private List<VectorMatch> read(IndexSearcher s, ScoreDoc[] hits, boolean values, boolean metadata, boolean scored)
            throws IOException {
        List<VectorMatch> out = new ArrayList<>(hits.length);
        StoredFields stored = s.storedFields();
        List<LeafReaderContext> leaves = s.getIndexReader().leaves();
        for (ScoreDoc hit : hits) {
            Document d = stored.document(hit.doc, STORED);
            float[] v = null;
            if (values) {
                v = vector(leaves, hit.doc);
                var norm = d.getField(NORM);
                if (v != null && norm != null) {
                    float n = norm.numericValue().floatValue();
                    for (int i = 0; i < v.length; i++) {
                        v[i] *= n;
                    }
                }
            }
            out.add(new VectorMatch(d.get(ID), d.get(NAMESPACE),
                    scored ? spec.metric().fromLuceneScore(hit.score) : Double.NaN, v,
                    metadata ? d.get(METADATA) : null));
        }
        return out;
    }

    /** A copy of the stored vector of top-level {@code doc}, or null. */
    private static float[] vector(List<LeafReaderContext> leaves, int doc) throws IOException {
        LeafReaderContext leaf = leaves.get(ReaderUtil.subIndex(doc, leaves));
        FloatVectorValues values = leaf.reader().getFloatVectorValues(VECTOR);
        if (values == null) {
            return null;
        }
        int local = doc - leaf.docBase;
        KnnVectorValues.DocIndexIterator it = values.iterator();
        if (it.advance(local) != local) {
            return null;
        }
        return values.vectorValue(it.index()).clone(); // the reader reuses its buffer
    }

    /** Live vectors, in all namespaces or in one (null: all). */
    public int count(String namespace) throws IOException {
        IndexSearcher s = searchers.acquire();
        try {
            return namespace == null ? s.getIndexReader().numDocs()
                    : s.count(new TermQuery(new Term(NAMESPACE, namespace)));
        } finally {
            searchers.release(s);
        }
    }

    /** Live vectors matching {@code filter} in every namespace (for tests and info). */
    int countMatching(Query filter) throws IOException {
        IndexSearcher s = searchers.acquire();
        try {
            return s.count(filter == null ? new MatchAllDocsQuery() : filter);
        } finally {
            searchers.release(s);
        }
    }

    /**
     * Merges the index down to {@code maxSegments} segments and commits (maintenance: a kNN search
     * visits every segment's graph, so fewer segments answer faster). Blocks for as long as the
     * merge takes (HNSW graphs are rebuilt: seconds to minutes); reads and writes go on meanwhile.
     */
    public void compact(int maxSegments) throws IOException {
        writer.forceMerge(maxSegments);
        commitLock.lock();
        try {
            // A commit even when no write came meanwhile: the merged segment replaces the old ones on disk.
            committedSeqNo = Math.max(committedSeqNo, writer.commit());
        } finally {
            commitLock.unlock();
        }
        searchers.maybeRefreshBlocking();
    }

    /** Segments in the searcher's current view. */
    public int segments() throws IOException {
        IndexSearcher s = searchers.acquire();
        try {
            return s.getIndexReader().leaves().size();
        } finally {
            searchers.release(s);
        }
    }

    /** Bytes of the index's files on disk (segments, graph, vectors, stored fields). */
    public long sizeOnDisk() throws IOException {
        long total = 0;
        for (String f : directory.listAll()) {
            try {
                total += directory.fileLength(f);
            } catch (java.nio.file.NoSuchFileException e) {
                // merged away while we listed
            }
        }
        return total;
    }

    /**
     * Closes the writer once the writes in flight have finished. Nothing is pending then: each
     * write commits before it returns. Later calls fail with Lucene's {@code AlreadyClosedException}.
     */
    @Override
    public void close() throws IOException {
        applyLock.lock();
        try {
            commitLock.lock();
            try {
                searchers.close();
                writer.close();
                directory.close();
            } finally {
                commitLock.unlock();
            }
        } finally {
            applyLock.unlock();
        }
    }
}
