package dev.kafkaplatform.javaconsumer;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.avro.Schema;

/**
 * The one registry call a reader needs: GET /schemas/ids/{id} of the Confluent-compatible API. Apicurio's ccompat
 * ids are content ids, like Confluent's ids, so the id in a record's header names exactly one schema; each is
 * fetched once and cached (schemas under an id never change).
 */
final class RegistryClient {
  private static final ObjectMapper JSON = new ObjectMapper();

  private final String baseUrl;
  private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
  private final Map<Integer, Schema> schemas = new ConcurrentHashMap<>();

  RegistryClient(String baseUrl) {
    this.baseUrl = baseUrl;
  }

  Schema schemaById(int id) {
    return schemas.computeIfAbsent(id, this::fetch);
  }

  private Schema fetch(int id) {
    HttpRequest request =
        HttpRequest.newBuilder(URI.create(baseUrl + "/schemas/ids/" + id))
            .header("accept", "application/vnd.schemaregistry.v1+json, application/json")
            .timeout(Duration.ofSeconds(10))
            .GET()
            .build();
    try {
      HttpResponse<String> response = http.send(request, HttpResponse.BodyHandlers.ofString());
      if (response.statusCode() != 200) {
        throw new IllegalStateException(
            "registry answered HTTP " + response.statusCode() + " for schema id " + id + ": " + response.body());
      }
      return parse(id, JSON.readTree(response.body()));
    } catch (IOException e) {
      throw new IllegalStateException("registry unreachable at " + baseUrl + ": " + e.getMessage(), e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while fetching schema id " + id, e);
    }
  }

  private static Schema parse(int id, JsonNode body) {
    // Confluent omits schemaType for Avro; anything else (JSON Schema, Protobuf) is not ours to decode.
    String type = body.path("schemaType").asText("AVRO");
    if (!"AVRO".equals(type)) throw new IllegalStateException("schema id " + id + " is " + type + ", not AVRO");
    return new Schema.Parser().parse(body.path("schema").asText());
  }
}
