package dev.kafkaplatform.javaconsumer;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.charset.StandardCharsets;
import org.apache.avro.generic.GenericData;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.header.Header;

/**
 * One JSON line per record, so people read it and scripts parse it: where it sits, its key, the platform's
 * event-type and schema-version headers, the registry's schema id and the decoded value (or why it did not decode).
 * With the users' keys, sealed personal fields are opened into email and name, as the services' handlers see them,
 * and "personalData" says what became of them (opened, erased, no key, unreadable).
 */
final class RecordLine {
  private static final ObjectMapper JSON = new ObjectMapper();

  private final WireFormatDecoder decoder;
  private final UserKeys keys;

  RecordLine(WireFormatDecoder decoder, UserKeys keys) {
    this.decoder = decoder;
    this.keys = keys;
  }

  String of(ConsumerRecord<String, byte[]> record) {
    ObjectNode line = JSON.createObjectNode();
    line.put("topic", record.topic()).put("partition", record.partition()).put("offset", record.offset());
    line.put("key", record.key());
    line.put("eventType", header(record, "event-type"));
    line.put("schemaVersion", header(record, "schema-version"));
    putValue(line, record);
    return line.toString();
  }

  private void putValue(ObjectNode line, ConsumerRecord<String, byte[]> record) {
    // A tombstone (null value) deletes a key under compaction: it has no schema and nothing to decode.
    if (record.value() == null) {
      line.putNull("value");
      return;
    }
    try {
      WireFormatDecoder.Decoded decoded = decoder.decode(record.value());
      line.put("schemaId", decoded.schemaId());
      ObjectNode value = (ObjectNode) JSON.readTree(GenericData.get().toString(decoded.record()));
      line.set("value", value);
      if (keys != null && value.path("personalData").isTextual()) openPersonalData(line, value, record);
    } catch (IllegalArgumentException | JsonProcessingException e) {
      line.put("error", e.getMessage());
    }
  }

  private void openPersonalData(ObjectNode line, ObjectNode value, ConsumerRecord<String, byte[]> record)
      throws JsonProcessingException {
    UserKeys.Opened opened =
        keys.open(record.key(), header(record, "event-type"), value.get("personalData").asText());
    line.put("personalData", opened.state());
    if (opened.fields() == null) return;
    JsonNode fields = JSON.readTree(opened.fields());
    value.put("email", fields.path("email").asText());
    value.put("name", fields.path("name").asText());
  }

  private static String header(ConsumerRecord<?, ?> record, String name) {
    Header header = record.headers().lastHeader(name);
    return header == null || header.value() == null ? null : new String(header.value(), StandardCharsets.UTF_8);
  }
}
