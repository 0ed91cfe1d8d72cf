package dev.kafkaplatform.javaconsumer;

import java.time.Duration;
import java.util.Map;

/**
 * What to read and where: the topic and flags from the command line, the endpoints from the same env names the
 * Node services use (KAFKA_BROKERS, SCHEMA_REGISTRY_URL, KEY_ENCRYPTION_KEY), with the local stack as the default.
 * Without KEY_ENCRYPTION_KEY personal fields stay sealed: opening them is a choice, not a default.
 */
record Options(
    String topic,
    String brokers,
    String registryUrl,
    boolean fromBeginning,
    long max,
    Duration timeout,
    String keysTopic,
    byte[] keyEncryptionKey) {

  static final String USAGE =
      "usage: java -jar java-consumer.jar [topic] [--from-beginning] [--max N] [--timeout-ms MS]\n"
          + "       [--brokers HOST:PORT,...] [--registry URL] [--keys-topic TOPIC]\n"
          + "env: KAFKA_BROKERS (localhost:9092), SCHEMA_REGISTRY_URL (http://localhost:8081/apis/ccompat/v7),\n"
          + "     KEY_ENCRYPTION_KEY (base64; set, personal fields are opened with the keys on --keys-topic, user-keys)";

  static Options parse(String[] args, Map<String, String> env) {
    String topic = "user-events";
    String brokers = env.getOrDefault("KAFKA_BROKERS", "localhost:9092");
    String registry = env.getOrDefault("SCHEMA_REGISTRY_URL", "http://localhost:8081/apis/ccompat/v7");
    boolean fromBeginning = false;
    long max = Long.MAX_VALUE;
    Duration timeout = null;
    String keysTopic = "user-keys";
    for (int i = 0; i < args.length; i++) {
      switch (args[i]) {
        case "--from-beginning" -> fromBeginning = true;
        case "--max" -> max = positive(args, ++i);
        case "--timeout-ms" -> timeout = Duration.ofMillis(positive(args, ++i));
        case "--brokers" -> brokers = value(args, ++i);
        case "--registry" -> registry = value(args, ++i);
        case "--keys-topic" -> keysTopic = value(args, ++i);
        case "-h", "--help" -> throw new IllegalArgumentException(USAGE);
        default -> {
          if (args[i].startsWith("-")) throw new IllegalArgumentException("unknown option " + args[i] + "\n" + USAGE);
          topic = args[i];
        }
      }
    }
    // With --max the run is a check that must end: 30 s without the N records is a failure, not a hang.
    if (timeout == null && max != Long.MAX_VALUE) timeout = Duration.ofSeconds(30);
    String kek = env.get("KEY_ENCRYPTION_KEY");
    byte[] keyEncryptionKey = kek == null || kek.isBlank() ? null : PersonalData.keyEncryptionKey(kek);
    return new Options(
        topic, brokers, registry.replaceAll("/+$", ""), fromBeginning, max, timeout, keysTopic, keyEncryptionKey);
  }

  private static String value(String[] args, int i) {
    if (i >= args.length) throw new IllegalArgumentException(args[i - 1] + " needs a value\n" + USAGE);
    return args[i];
  }

  private static long positive(String[] args, int i) {
    String raw = value(args, i);
    try {
      long n = Long.parseLong(raw);
      if (n > 0) return n;
    } catch (NumberFormatException ignored) {
      // reported below with the option's name
    }
    throw new IllegalArgumentException(args[i - 1] + " needs a positive number, not " + raw);
  }
}
