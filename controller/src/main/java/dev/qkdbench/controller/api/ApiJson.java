package dev.qkdbench.controller.api;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.SerializerProvider;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.module.SimpleModule;
import com.fasterxml.jackson.databind.ser.std.StdSerializer;
import java.io.IOException;
import java.io.UncheckedIOException;

/**
 * The API's JSON encoding: snake_case field names (the convention of the CLI's JSON output and
 * of most HTTP APIs an operator scripts against), and NaN or infinite numbers written as
 * {@code null}. JSON (RFC 8259 §6) has no NaN; Jackson would otherwise write the string
 * {@code "NaN"}, which a dashboard or {@code jq} then mistakes for text. A status reports NaN
 * for "not measured yet" (the QBER before the first block), which is exactly what null means.
 *
 * <p>Thread-safe: the mapper is configured once and only used to write.
 */
final class ApiJson {
    private static final ObjectMapper MAPPER = JsonMapper.builder()
            .propertyNamingStrategy(PropertyNamingStrategies.SNAKE_CASE)
            .disable(SerializationFeature.FAIL_ON_EMPTY_BEANS)
            .addModule(new SimpleModule("non-finite-as-null")
                    .addSerializer(Double.class, new FiniteDoubleSerializer(Double.class))
                    .addSerializer(Double.TYPE, new FiniteDoubleSerializer(Double.TYPE))
                    .addSerializer(double[].class, new FiniteDoubleArraySerializer()))
            .build();

    private ApiJson() {
    }

    /** Encodes {@code value} as UTF-8 JSON. */
    static byte[] encode(Object value) {
        try {
            return MAPPER.writeValueAsBytes(value);
        } catch (JsonProcessingException e) {
            // Only our own records and maps reach here; failing to encode one is a bug, not input.
            throw new UncheckedIOException("cannot encode " + value.getClass().getName() + " as JSON", e);
        }
    }

    private static void writeFinite(double value, JsonGenerator gen) throws IOException {
        if (Double.isFinite(value)) {
            gen.writeNumber(value);
        } else {
            gen.writeNull();
        }
    }

    /** A double, boxed or not: the number when finite, else null. */
    private static final class FiniteDoubleSerializer extends StdSerializer<Double> {
        @SuppressWarnings("unchecked")
        FiniteDoubleSerializer(Class<?> type) {
            super((Class<Double>) type);
        }

        @Override
        public void serialize(Double value, JsonGenerator gen, SerializerProvider provider) throws IOException {
            writeFinite(value, gen);
        }
    }

    /** An array of doubles, each element finite or null. */
    private static final class FiniteDoubleArraySerializer extends StdSerializer<double[]> {
        FiniteDoubleArraySerializer() {
            super(double[].class);
        }

        @Override
        public void serialize(double[] values, JsonGenerator gen, SerializerProvider provider) throws IOException {
            gen.writeStartArray(values, values.length);
            for (double v : values) {
                writeFinite(v, gen);
            }
            gen.writeEndArray();
        }
    }
}
