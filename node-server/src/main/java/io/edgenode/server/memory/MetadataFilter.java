package io.edgenode.server.memory;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.Map;
import org.apache.lucene.document.DoublePoint;
import org.apache.lucene.index.Term;
import org.apache.lucene.search.BooleanClause.Occur;
import org.apache.lucene.search.BooleanQuery;
import org.apache.lucene.search.MatchAllDocsQuery;
import org.apache.lucene.search.Query;
import org.apache.lucene.search.TermQuery;
import org.apache.lucene.search.TermRangeQuery;

/**
 * A metadata filter as the API writes it, turned into the Lucene query that pre-filters a kNN
 * search. Stateless.
 *
 * <p>Grammar: an object whose keys are (dotted) metadata keys, all of which must hold. A key maps
 * to a scalar ({@code {"genre":"jazz"}} means {@code $eq}) or to an object of operators:
 * {@code $eq $ne} (a string, number or boolean), {@code $in $nin} (a non-empty array of those, at
 * most {@link #MAX_IN}), {@code $lt $lte $gt $gte} (a string or a number). The value's JSON type
 * picks which of the key's typed fields is searched ({@link MetadataFields}): {@code {"n":"5"}}
 * does not match the number 5. {@code $ne} and {@code $nin} also match vectors without the key.
 * Anything else (null, nested objects or arrays as values, booleans in ranges, an unknown
 * operator) is a 400: a filter is never silently widened.
 */
public final class MetadataFilter {
    static final int MAX_KEYS = 32;
    static final int MAX_IN = 100;

    private MetadataFilter() {}

    /** Adds the clauses of {@code filter} (an object, or null/missing for none) to {@code query}. */
    static void addClauses(JsonNode filter, BooleanQuery.Builder query) {
        if (filter == null || filter.isMissingNode() || filter.isNull()) {
            return;
        }
        if (!filter.isObject()) {
            throw MemoryException.invalid("filter", "filter must be an object of metadata keys");
        }
        if (filter.size() > MAX_KEYS) {
            throw MemoryException.invalid("filter", "at most " + MAX_KEYS + " keys in a filter");
        }
        for (Map.Entry<String, JsonNode> e : filter.properties()) {
            String key = e.getKey();
            JsonNode v = e.getValue();
            String param = "filter." + key;
            if (v.isObject()) {
                if (v.isEmpty()) {
                    throw MemoryException.invalid(param, "an operator object needs at least one operator");
                }
                for (Map.Entry<String, JsonNode> op : v.properties()) {
                    operator(key, op.getKey(), op.getValue(), param + "." + op.getKey(), query);
                }
            } else {
                query.add(equal(key, v, param), Occur.FILTER);
            }
        }
    }

    /** Just the filter, for tests and counts: matches all vectors when {@code filter} is empty. */
    static Query toQuery(JsonNode filter) {
        BooleanQuery.Builder b = new BooleanQuery.Builder().add(new MatchAllDocsQuery(), Occur.FILTER);
        addClauses(filter, b);
        return b.build();
    }

    private static void operator(String key, String op, JsonNode v, String param, BooleanQuery.Builder query) {
        switch (op) {
            case "$eq" -> query.add(equal(key, v, param), Occur.FILTER);
            case "$ne" -> query.add(equal(key, v, param), Occur.MUST_NOT);
            case "$in" -> query.add(anyOf(key, v, param), Occur.FILTER);
            case "$nin" -> query.add(anyOf(key, v, param), Occur.MUST_NOT);
            case "$lt", "$lte", "$gt", "$gte" -> query.add(range(key, op, v, param), Occur.FILTER);
            default -> throw MemoryException.invalid(param, "unknown filter operator '" + op
                    + "'; supported: $eq $ne $in $nin $lt $lte $gt $gte");
        }
    }

    private static Query equal(String key, JsonNode v, String param) {
        if (v.isTextual()) {
            return new TermQuery(new Term(MetadataFields.stringField(key), v.textValue()));
        }
        if (v.isBoolean()) {
            return new TermQuery(new Term(MetadataFields.boolField(key), Boolean.toString(v.booleanValue())));
        }
        if (v.isNumber()) {
            return DoublePoint.newExactQuery(MetadataFields.numberField(key), finite(v, param));
        }
        throw unsupported(v, param, "a string, number or boolean");
    }

    private static Query anyOf(String key, JsonNode v, String param) {
        if (!v.isArray() || v.isEmpty() || v.size() > MAX_IN) {
            throw MemoryException.invalid(param, "expected an array of 1.." + MAX_IN + " strings, numbers or booleans");
        }
        BooleanQuery.Builder any = new BooleanQuery.Builder();
        for (int i = 0; i < v.size(); i++) {
            any.add(equal(key, v.get(i), param + "[" + i + "]"), Occur.SHOULD);
        }
        return any.setMinimumNumberShouldMatch(1).build();
    }

    private static Query range(String key, String op, JsonNode v, String param) {
        boolean lower = op.startsWith("$g");
        boolean inclusive = op.endsWith("e");
        if (v.isNumber()) {
            double d = finite(v, param);
            String field = MetadataFields.numberField(key);
            if (lower) {
                return DoublePoint.newRangeQuery(field, inclusive ? d : Math.nextUp(d), Double.POSITIVE_INFINITY);
            }
            return DoublePoint.newRangeQuery(field, Double.NEGATIVE_INFINITY, inclusive ? d : Math.nextDown(d));
        }
        if (v.isTextual()) {
            String field = MetadataFields.stringField(key);
            String s = v.textValue();
            return lower ? TermRangeQuery.newStringRange(field, s, null, inclusive, false)
                    : TermRangeQuery.newStringRange(field, null, s, false, inclusive);
        }
        throw unsupported(v, param, "a string or a number");
    }

    private static double finite(JsonNode v, String param) {
        double d = v.doubleValue();
        if (!Double.isFinite(d)) {
            throw MemoryException.invalid(param, "filter numbers must be finite");
        }
        return d;
    }

    private static MemoryException unsupported(JsonNode v, String param, String expected) {
        return new MemoryException(MemoryException.Kind.INVALID, param, "unsupported_filter_type",
                "cannot filter on " + v.getNodeType().name().toLowerCase(java.util.Locale.ROOT) + " values here: expected "
                        + expected);
    }
}
