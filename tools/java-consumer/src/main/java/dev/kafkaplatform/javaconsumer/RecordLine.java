package dev.kafkaplatform.javaconsumer;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.charset.StandardCharsets;
import org.apache.avro.generic.GenericData;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.header.Header;

/**
 * One JSON line per record, so people read it and scripts parse it: where it sits, its key, the platform's
 * event-type and schema-version headers, the registry's schema id and the decoded value (or why it did not decode).
 */
final class RecordLine {
  private static final ObjectMapper JSON = new ObjectMapper();

  private RecordLine() {}

  static String of(ConsumerRecord<String, byte[]> record, WireFormatDecoder decoder) {
    ObjectNode line = JSON.createObjectNode();
    line.put("topic", record.topic()).put("partition", record.partition()).put("offset", record.offset());
    line.put("key", record.key());
    line.put("eventType", header(record, "event-type"));
    line.put("schemaVersion", header(record, "schema-version"));
    putValue(line, record.value(), decoder);
    return line.toString();
  }

  private static void putValue(ObjectNode line, byte[] value, WireFormatDecoder decoder) {
    // A tombstone (null value) deletes a key under compaction: it has no schema and nothing to decode.
    if (value == null) {
      line.putNull("value");
      return;
    }
    try {
      WireFormatDecoder.Decoded decoded = decoder.decode(value);
      line.put("schemaId", decoded.schemaId());
      line.set("value", JSON.readTree(GenericData.get().toString(decoded.record())));
    } catch (IllegalArgumentException | JsonProcessingException e) {
      line.put("error", e.getMessage());
    }
  }

  private static String header(ConsumerRecord<?, ?> record, String name) {
    Header header = record.headers().lastHeader(name);
    return header == null || header.value() == null ? null : new String(header.value(), StandardCharsets.UTF_8);
  }
}
