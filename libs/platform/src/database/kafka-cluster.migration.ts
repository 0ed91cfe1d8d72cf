import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The Kafka cluster this database's data follows. A service's tables (an inbox, projections, an outbox's sent
 * rows) only make sense together with one cluster's log and offsets: KafkaClusterBinding records the cluster on
 * first contact and refuses another one later. PlatformModule adds this migration to every service with a database.
 */
export class RecordKafkaCluster1764200000000 implements MigrationInterface {
  name = 'RecordKafkaCluster1764200000000';

  async up(runner: QueryRunner): Promise<void> {
    await runner.query(`
      CREATE TABLE kafka_cluster (
        singleton    boolean PRIMARY KEY DEFAULT true CHECK (singleton),
        cluster_id   text NOT NULL,
        recorded_at  timestamptz NOT NULL DEFAULT now()
      )`);
  }

  async down(runner: QueryRunner): Promise<void> {
    await runner.query(`DROP TABLE kafka_cluster`);
  }
}
