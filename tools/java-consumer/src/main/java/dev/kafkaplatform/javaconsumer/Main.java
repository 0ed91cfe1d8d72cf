package dev.kafkaplatform.javaconsumer;

import java.io.PrintStream;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Properties;
import java.util.concurrent.atomic.AtomicBoolean;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.WakeupException;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;

/**
 * Reads a topic and prints each record decoded through the schema registry, one JSON line per record.
 * Exit codes: 0 done (--max records printed, stopped, or --help), 1 --timeout-ms passed before --max records, 2 bad
 * arguments or a topic that does not exist.
 */
public final class Main {
  private static final Duration POLL = Duration.ofMillis(500);
  /** Set once run() returns: the shutdown hook of a normal exit then has no consumer to stop and nothing to wait for. */
  private static final AtomicBoolean FINISHED = new AtomicBoolean();

  private Main() {}

  public static void main(String[] args) {
    Options options;
    try {
      options = Options.parse(args, System.getenv());
    } catch (IllegalArgumentException e) {
      System.err.println(e.getMessage());
      // Asking for help is not an error; a bad argument is.
      System.exit(Options.USAGE.equals(e.getMessage()) ? 0 : 2);
      return;
    }
    int status = run(options, System.out);
    FINISHED.set(true);
    System.exit(status);
  }

  static int run(Options options, PrintStream out) {
    WireFormatDecoder decoder = new WireFormatDecoder(new RegistryClient(options.registryUrl()));
    try (UserKeys keys = userKeys(options, decoder);
        KafkaConsumer<String, byte[]> consumer = new KafkaConsumer<>(config(options))) {
      stopOnShutdown(consumer);
      List<TopicPartition> partitions = partitions(consumer, options.topic());
      if (partitions.isEmpty()) {
        System.err.println("topic " + options.topic() + " does not exist on " + options.brokers());
        return 2;
      }
      position(consumer, partitions, options.fromBeginning());
      return consume(consumer, new RecordLine(decoder, keys), options, out);
    } catch (WakeupException stopped) {
      return 0;
    } catch (IllegalArgumentException e) {
      System.err.println(e.getMessage() + " on " + options.brokers());
      return 2;
    }
  }

  /** The keys that open personal fields, read once KEY_ENCRYPTION_KEY is given; none (null) otherwise. */
  private static UserKeys userKeys(Options options, WireFormatDecoder decoder) {
    if (options.keyEncryptionKey() == null) return null;
    return new UserKeys(config(options), options.keysTopic(), decoder, options.keyEncryptionKey());
  }

  /**
   * No consumer group: assign() reads every partition without joining, committing or leaving a group behind, so
   * running it never disturbs the services' groups or their lag.
   */
  private static Properties config(Options options) {
    Properties config = new Properties();
    config.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, options.brokers());
    config.put(ConsumerConfig.CLIENT_ID_CONFIG, "java-consumer");
    config.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
    // The platform publishes through the outbox relay, in transactions when exactly-once is on: show committed data.
    config.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
    config.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class.getName());
    // Values stay bytes here and are decoded per record, so one bad record is reported, not fatal to the poll.
    config.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class.getName());
    return config;
  }

  static List<TopicPartition> partitions(KafkaConsumer<?, ?> consumer, String topic) {
    List<PartitionInfo> infos = consumer.partitionsFor(topic, Duration.ofSeconds(15));
    return infos.stream().map(info -> new TopicPartition(topic, info.partition())).toList();
  }

  private static void position(KafkaConsumer<?, ?> consumer, List<TopicPartition> partitions, boolean fromStart) {
    consumer.assign(partitions);
    if (fromStart) consumer.seekToBeginning(partitions);
    else consumer.seekToEnd(partitions);
  }

  private static int consume(
      KafkaConsumer<String, byte[]> consumer, RecordLine lines, Options options, PrintStream out) {
    Instant deadline = options.timeout() == null ? null : Instant.now().plus(options.timeout());
    long printed = 0;
    while (printed < options.max()) {
      if (deadline != null && Instant.now().isAfter(deadline)) {
        System.err.println("timed out after " + options.timeout().toMillis() + " ms with " + printed + " of "
            + options.max() + " records");
        return 1;
      }
      for (ConsumerRecord<String, byte[]> record : consumer.poll(POLL)) {
        out.println(lines.of(record));
        if (++printed >= options.max()) break;
      }
      out.flush();
    }
    return 0;
  }

  /** Ctrl-C (or SIGTERM) wakes the blocked poll, and the consumer closes cleanly. */
  private static void stopOnShutdown(KafkaConsumer<?, ?> consumer) {
    Thread main = Thread.currentThread();
    Runtime.getRuntime().addShutdownHook(new Thread(() -> {
      if (FINISHED.get()) return;
      consumer.wakeup();
      try {
        main.join(5_000);
      } catch (InterruptedException ignored) {
        Thread.currentThread().interrupt();
      }
    }));
  }
}
