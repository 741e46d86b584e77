/**
 * Vector memory: durable Lucene HNSW indexes on disk under {@code <data-dir>/indexes/}, with
 * namespaces, metadata filters (a Lucene pre-filter of the kNN search), text embedded by each
 * index's embedding model, commits before acknowledgement and read-your-writes. Knows nothing
 * about HTTP: {@link io.edgenode.server.memory.MemoryService} is what the HTTP layer calls.
 */
package io.edgenode.server.memory;
