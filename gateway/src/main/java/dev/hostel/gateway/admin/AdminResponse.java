package dev.hostel.gateway.admin;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.nio.charset.StandardCharsets;
import java.util.Map;

/**
 * What the admin API answers, independent of Netty: a status, a content type, a body and headers of its own.
 *
 * @param json    the tree {@code body} was printed from, or null when the body is no JSON (for {@link CtlOutput})
 * @param headers more response headers (e.g. {@link CtlOutput}'s)
 */
record AdminResponse(int status, String contentType, byte[] body, JsonNode json, Map<String, String> headers) {
    static final String JSON = "application/json";
    static final ObjectMapper MAPPER = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    static AdminResponse json(int status, JsonNode node) {
        try {
            byte[] text = MAPPER.writeValueAsBytes(node);
            byte[] withNewline = new byte[text.length + 1];
            System.arraycopy(text, 0, withNewline, 0, text.length);
            // So that curl's output ends with a newline in a terminal.
            withNewline[text.length] = '\n';
            return new AdminResponse(status, JSON, withNewline, node, Map.of());
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("a JSON tree that does not print", e);
        }
    }

    static AdminResponse text(int status, String contentType, String body) {
        return new AdminResponse(status, contentType, body.getBytes(StandardCharsets.UTF_8), null, Map.of());
    }

    /** {@code {"error": "...", "field": "...", "line": N}}, with {@code field} and {@code line} when known. */
    static AdminResponse error(AdminException e) {
        ObjectNode node = MAPPER.createObjectNode().put("error", e.getMessage());
        if (e.field() != null) {
            node.put("field", e.field());
        }
        if (e.line() > 0) {
            node.put("line", e.line());
        }
        if (e.errors().size() > 1) {
            var all = node.putArray("errors");
            e.errors().forEach(error -> {
                ObjectNode one = all.addObject().put("error", AdminException.describe(error));
                if (!error.key().isEmpty()) {
                    one.put("field", error.key());
                }
                if (error.line() > 0) {
                    one.put("line", error.line());
                }
            });
        }
        return json(e.status(), node);
    }

    static AdminResponse error(int status, String message) {
        return error(new AdminException(status, message));
    }
}
