package dev.kafkaplatform.javaconsumer;

import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.util.Base64;
import javax.crypto.Cipher;
import javax.crypto.spec.GCMParameterSpec;
import javax.crypto.spec.SecretKeySpec;

/**
 * The platform's crypto-shredding from the JVM, as libs/kafka's personal-data-cipher.ts does it with Node's crypto:
 * AES-256-GCM from the JDK, a sealed value being base64(12-byte IV | 16-byte tag | ciphertext) with additional data
 * that binds it to its owner. A user's data key is sealed under the key-encryption key for "user-key:&lt;userId&gt;";
 * an event's personal fields under the data key for "&lt;event type&gt;:&lt;userId&gt;".
 */
final class PersonalData {
  private static final int KEY_BYTES = 32;
  private static final int IV_BYTES = 12;
  private static final int TAG_BYTES = 16;

  private PersonalData() {}

  /** KEY_ENCRYPTION_KEY as the services take it: base64 of 32 bytes. */
  static byte[] keyEncryptionKey(String base64) {
    byte[] key;
    try {
      key = Base64.getDecoder().decode(base64.trim());
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException("KEY_ENCRYPTION_KEY must be base64 of 32 bytes: " + e.getMessage());
    }
    if (key.length != KEY_BYTES) {
      throw new IllegalArgumentException("KEY_ENCRYPTION_KEY must be base64 of 32 bytes, got " + key.length);
    }
    return key;
  }

  static byte[] unwrapDataKey(byte[] keyEncryptionKey, String userId, String wrapped) throws GeneralSecurityException {
    byte[] key = open(keyEncryptionKey, "user-key:" + userId, wrapped);
    if (key.length != KEY_BYTES) throw new GeneralSecurityException("a data key must be 32 bytes");
    return key;
  }

  /** The JSON text {"email": ..., "name": ...} sealed in an event's personalData. */
  static String openFields(byte[] dataKey, String eventType, String userId, String sealed)
      throws GeneralSecurityException {
    return new String(open(dataKey, eventType + ":" + userId, sealed), StandardCharsets.UTF_8);
  }

  private static byte[] open(byte[] key, String context, String sealed) throws GeneralSecurityException {
    byte[] bytes = Base64.getDecoder().decode(sealed);
    if (bytes.length < IV_BYTES + TAG_BYTES) throw new GeneralSecurityException("too short to be sealed");
    Cipher cipher = Cipher.getInstance("AES/GCM/NoPadding");
    cipher.init(
        Cipher.DECRYPT_MODE,
        new SecretKeySpec(key, "AES"),
        new GCMParameterSpec(TAG_BYTES * 8, bytes, 0, IV_BYTES));
    cipher.updateAAD(context.getBytes(StandardCharsets.UTF_8));
    // The JDK wants the tag after the ciphertext; the platform stores it before.
    byte[] body = new byte[bytes.length - IV_BYTES];
    System.arraycopy(bytes, IV_BYTES + TAG_BYTES, body, 0, bytes.length - IV_BYTES - TAG_BYTES);
    System.arraycopy(bytes, IV_BYTES, body, bytes.length - IV_BYTES - TAG_BYTES, TAG_BYTES);
    return cipher.doFinal(body);
  }
}
