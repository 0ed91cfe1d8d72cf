package dev.kafkaplatform.javaconsumer;

import java.security.GeneralSecurityException;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import org.apache.avro.generic.GenericRecord;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;

/**
 * Every user's wrapped data key, read from the compacted keys topic (user-keys) to its end before the first answer,
 * and again when a user is not there yet (a key published after the last read). A tombstone means the user was
 * erased: their events stay sealed for good. Like the services' UserKeyStore, it reads without a consumer group.
 */
final class UserKeys implements AutoCloseable {
  /** What became of an event's sealed personal fields: opened (fields is their JSON), or why not. */
  record Opened(String state, String fields) {}

  private static final Duration POLL = Duration.ofMillis(200);

  private final KafkaConsumer<String, byte[]> consumer;
  private final WireFormatDecoder decoder;
  private final byte[] keyEncryptionKey;
  /** userId to its wrapped key; a null value is a tombstone. */
  private final Map<String, String> wrapped = new HashMap<>();

  UserKeys(Properties config, String topic, WireFormatDecoder decoder, byte[] keyEncryptionKey) {
    this.consumer = new KafkaConsumer<>(config);
    this.decoder = decoder;
    this.keyEncryptionKey = keyEncryptionKey;
    List<TopicPartition> partitions = Main.partitions(consumer, topic);
    if (partitions.isEmpty()) {
      consumer.close();
      throw new IllegalArgumentException("keys topic " + topic + " does not exist");
    }
    consumer.assign(partitions);
    consumer.seekToBeginning(partitions);
    catchUp();
  }

  Opened open(String userId, String eventType, String sealed) {
    if (userId == null || eventType == null) return new Opened("unreadable: no key or event type", null);
    if (!wrapped.containsKey(userId)) catchUp();
    if (!wrapped.containsKey(userId)) return new Opened("no key", null);
    String key = wrapped.get(userId);
    if (key == null) return new Opened("erased", null);
    try {
      byte[] dataKey = PersonalData.unwrapDataKey(keyEncryptionKey, userId, key);
      return new Opened("opened", PersonalData.openFields(dataKey, eventType, userId, sealed));
    } catch (GeneralSecurityException | IllegalArgumentException e) {
      return new Opened("unreadable: altered, or sealed under another key", null);
    }
  }

  /** Reads up to the end offsets as they are now. */
  private void catchUp() {
    Map<TopicPartition, Long> end = consumer.endOffsets(consumer.assignment());
    while (end.entrySet().stream().anyMatch(entry -> consumer.position(entry.getKey()) < entry.getValue())) {
      for (ConsumerRecord<String, byte[]> record : consumer.poll(POLL)) remember(record);
    }
  }

  private void remember(ConsumerRecord<String, byte[]> record) {
    if (record.value() == null) {
      wrapped.put(record.key(), null);
      return;
    }
    try {
      GenericRecord key = decoder.decode(record.value()).record();
      wrapped.put(record.key(), String.valueOf(key.get("wrappedKey")));
    } catch (IllegalArgumentException e) {
      // Not a key record: nothing to remember, and the events of that user then say "no key".
    }
  }

  @Override
  public void close() {
    consumer.close();
  }
}
