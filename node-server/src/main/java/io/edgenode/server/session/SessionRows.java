package io.edgenode.server.session;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.LinkedHashMap;
import java.util.List;

/**
 * The session tables' column encodings: JSON for metadata and turn inputs, little-endian int32 BLOBs for tokens.
 * Thread-safe (the mapper is configured once and only used afterwards).
 */
final class SessionRows {
    /** SQLite's SQLITE_CORRUPT: a value this code did not write is reported like a corrupt database. */
    private static final int SQLITE_CORRUPT = 11;
    private static final TypeReference<LinkedHashMap<String, String>> METADATA_TYPE = new TypeReference<>() {};
    private static final TypeReference<List<SessionMessage>> MESSAGES_TYPE = new TypeReference<>() {};

    private final ObjectMapper json = JsonMapper.builder().build();

    /** The session from the columns id, model, system_prompt, metadata_json, created_at, updated_at, expires_at,
     * turn_count, prompt_tokens, completion_tokens, in that order. */
    Session session(ResultSet rs) throws SQLException {
        return new Session(rs.getString(1), rs.getString(2), rs.getString(3),
                fromJson(rs.getString(4), METADATA_TYPE), rs.getLong(5), rs.getLong(6), rs.getLong(7), rs.getInt(8),
                rs.getLong(9), rs.getLong(10));
    }

    List<SessionMessage> messages(String inputJson) throws SQLException {
        return fromJson(inputJson, MESSAGES_TYPE);
    }

    static int[] tokens(byte[] blob) throws SQLException {
        try {
            return TokenBlobs.decode(blob);
        } catch (IllegalArgumentException e) {
            throw new SQLException("corrupt token column: " + e.getMessage(), "", SQLITE_CORRUPT, e);
        }
    }

    String toJson(Object value) {
        try {
            return json.writeValueAsString(value);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("cannot encode " + value.getClass().getSimpleName() + " as JSON", e);
        }
    }

    private <T> T fromJson(String text, TypeReference<T> type) throws SQLException {
        try {
            return json.readValue(text, type);
        } catch (JsonProcessingException e) {
            throw new SQLException("corrupt JSON column: " + e.getOriginalMessage(), "", SQLITE_CORRUPT, e);
        }
    }
}
