import { CreateAggregateVersions1764200000000, CreateInbox1763900000001 } from '@kafka-platform/messaging';
import type { MigrationInterface, QueryRunner } from 'typeorm';
import { CreateDashboardProjections1763900000100 } from '../projections/dashboard-projections.migration';
import { OrderInsensitiveProjections1764200000100 } from '../projections/order-insensitive-projections.migration';
import { SignupsPerMinuteProjection1764400000100 } from '../projections/signups-per-minute.migration';

/**
 * The tables of one projection generation, in the order the migrations built them: the inbox, the users' versions
 * (AggregateVersions) and the read model. A new generation runs the same steps in its own schema, so it has
 * exactly the shape the migrations gave the first one. A change to these tables is a new migration that alters
 * every existing generation schema, added here too.
 */
// TypeORM runs the service's migrations by their timestamps: the last step, later than the generations' control
// table (DashboardGenerations1764300000100), finds the generation schemas there (see its class).
export const GENERATION_LAYOUT = [
  CreateInbox1763900000001,
  CreateDashboardProjections1763900000100,
  CreateAggregateVersions1764200000000,
  OrderInsensitiveProjections1764200000100,
  SignupsPerMinuteProjection1764400000100,
] as const;

/** Creates a generation's tables where the runner's search_path points (see useSchema). */
export async function createGenerationTables(runner: QueryRunner): Promise<void> {
  for (const Step of GENERATION_LAYOUT) await (new Step() as MigrationInterface).up(runner);
}
