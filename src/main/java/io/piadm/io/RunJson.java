package io.piadm.io;

import com.fasterxml.jackson.core.util.DefaultIndenter;
import com.fasterxml.jackson.core.util.DefaultPrettyPrinter;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.ObjectWriter;
import com.fasterxml.jackson.databind.SerializationFeature;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

/**
 * Writes run manifests (run.json) with Jackson: pretty-printed, keys in the order the (linked) maps hold
 * them, so the same run gives the same bytes. Numeric arrays stay on one line each (a block's forward
 * times would otherwise take hundreds of lines). Non-finite doubles are written as the strings "NaN",
 * "Infinity", "-Infinity" (Jackson's default), so the file is strict JSON.
 */
public final class RunJson {
    private static final ObjectMapper MAPPER = new ObjectMapper()
            .enable(SerializationFeature.INDENT_OUTPUT)
            .disable(SerializationFeature.FAIL_ON_EMPTY_BEANS);

    private RunJson() {}

    private static ObjectWriter writer() {
        DefaultPrettyPrinter pp = new DefaultPrettyPrinter()
                .withArrayIndenter(DefaultPrettyPrinter.FixedSpaceIndenter.instance)
                .withObjectIndenter(DefaultIndenter.SYSTEM_LINEFEED_INSTANCE.withLinefeed("\n"));
        return MAPPER.writer(pp);
    }

    /** The JSON text of {@code manifest}, ending with a newline. */
    public static String toJson(Map<String, ?> manifest) throws IOException {
        return writer().writeValueAsString(manifest) + "\n";
    }

    public static void write(Path file, Map<String, ?> manifest) throws IOException {
        Files.writeString(file, toJson(manifest));
    }

    /** Reads a JSON file as a tree (for tests and tools). */
    public static JsonNode read(Path file) throws IOException {
        return MAPPER.readTree(file.toFile());
    }
}
