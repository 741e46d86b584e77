package io.edgenode.server.workflow;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.edgenode.server.openai.ApiError;
import io.edgenode.server.openai.ApiException;
import io.edgenode.server.openai.OpenAiJson;
import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Objects;
import java.util.function.Predicate;
import java.util.regex.Pattern;

/**
 * Definitions stored by the operator in {@code <dataDir>/workflows/<name>.json}, each {@code {"steps":[...],
 * "params"?: {defaults}}}, started by name. Stateless apart from its directory: a file is read and validated at every
 * start, so an edited file applies to the next workflow started from it (running ones keep the copy they stored).
 * Thread-safe; blocking (file I/O).
 */
public final class WorkflowDefinitions {
    public static final String DIRECTORY = "workflows";
    static final Pattern NAME = Pattern.compile("[A-Za-z0-9_-]{1,64}");
    /** A definition file larger than this is refused: it is read whole. */
    static final long MAX_FILE_BYTES = 1 << 20;

    private final Path dir;
    private final Predicate<URI> httpAllowed;

    public WorkflowDefinitions(Path dataDir, Predicate<URI> httpAllowed) {
        this.dir = Objects.requireNonNull(dataDir, "dataDir").resolve(DIRECTORY);
        this.httpAllowed = Objects.requireNonNull(httpAllowed, "httpAllowed");
    }

    /**
     * The definition named {@code name}.
     *
     * @throws ApiException 400 for a bad name or an invalid file (the message names the file), 404 {@code
     *                      workflow_definition_not_found} when there is no such file
     */
    public StoredDefinition load(String name) {
        if (name == null || !NAME.matcher(name).matches()) {
            throw DefinitionParser.bad("name", "invalid_value", "`name` must be 1 to 64 letters, digits, '_' or '-'.");
        }
        String file = DIRECTORY + "/" + name + ".json";
        Path path = dir.resolve(name + ".json");
        byte[] bytes;
        try {
            if (Files.size(path) > MAX_FILE_BYTES) {
                throw DefinitionParser.bad("name", "invalid_value", "Stored workflow definition " + file
                        + " is larger than " + MAX_FILE_BYTES + " bytes.");
            }
            bytes = Files.readAllBytes(path);
        } catch (NoSuchFileException e) {
            throw new ApiException(new ApiError(404, ApiError.INVALID_REQUEST, "workflow_definition_not_found", "name",
                    "No stored workflow definition named '" + name + "'."));
        } catch (IOException e) {
            throw new ApiException(ApiError.serverError("Stored workflow definition " + file + " cannot be read."));
        }
        try {
            ObjectNode o = OpenAiJson.readObject(bytes);
            JsonNode params = o.remove("params");
            if (params != null && !params.isObject()) {
                throw DefinitionParser.bad("params", "invalid_type", "`params` must be an object.");
            }
            WorkflowDefinition def = WorkflowDefinition.parse(o, null, httpAllowed);
            return new StoredDefinition(name, def, o,
                    params == null ? JsonNodeFactory.instance.objectNode() : (ObjectNode) params);
        } catch (ApiException e) {
            ApiError why = e.error();
            throw new ApiException(ApiError.invalidRequest(why.param(), why.code(), "Stored workflow definition "
                    + file + " is invalid: " + why.message()));
        }
    }
}
