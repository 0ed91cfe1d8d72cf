package dev.kafkaplatform.javaconsumer;

import java.io.IOException;
import java.nio.ByteBuffer;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericDatumReader;
import org.apache.avro.generic.GenericRecord;
import org.apache.avro.io.BinaryDecoder;
import org.apache.avro.io.DecoderFactory;

/**
 * The Confluent wire format, as libs/kafka's AvroCodec writes it: magic byte 0, the writer schema's id as a 4-byte
 * big-endian int, then the Avro binary body. Decodes with the writer's own schema: this reader prints what was
 * written, so it needs no reader schema and no generated classes.
 */
final class WireFormatDecoder {
  static final int MAGIC_BYTE = 0;
  static final int HEADER_LENGTH = 5;

  record Decoded(int schemaId, GenericRecord record) {}

  private final RegistryClient registry;

  WireFormatDecoder(RegistryClient registry) {
    this.registry = registry;
  }

  Decoded decode(byte[] value) {
    if (value.length < HEADER_LENGTH || value[0] != MAGIC_BYTE) {
      throw new IllegalArgumentException("value does not start with the Confluent magic byte 0x00");
    }
    ByteBuffer buffer = ByteBuffer.wrap(value);
    int id = buffer.getInt(1);
    Schema writer = registry.schemaById(id);
    BinaryDecoder body =
        DecoderFactory.get().binaryDecoder(value, HEADER_LENGTH, value.length - HEADER_LENGTH, null);
    GenericRecord record = read(writer, id, body);
    if (!isEnd(body)) throw new IllegalArgumentException("bytes left after the record: not data of schema " + id);
    return new Decoded(id, record);
  }

  private static GenericRecord read(Schema writer, int id, BinaryDecoder body) {
    try {
      return new GenericDatumReader<GenericRecord>(writer).read(null, body);
    } catch (IOException | RuntimeException e) {
      throw new IllegalArgumentException("value is not valid data for schema id " + id + ": " + e.getMessage(), e);
    }
  }

  private static boolean isEnd(BinaryDecoder body) {
    try {
      return body.isEnd();
    } catch (IOException e) {
      return false;
    }
  }
}
