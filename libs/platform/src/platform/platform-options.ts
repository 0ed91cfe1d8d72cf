import type { KafkaModuleOptions } from '@kafka-platform/kafka';
import type { MixedList } from 'typeorm';

export interface PlatformOptions {
  /** The service's name: logs, metrics labels, Kafka client id. */
  readonly service: string;
  /** The contract port (3001, 3002, 3003); PORT overrides it. */
  readonly defaultPort: number;
  /** The service's own PostgreSQL database (DATABASE_URL); migrations run at start, never `synchronize`. */
  readonly database?: {
    // eslint-disable-next-line @typescript-eslint/no-unsafe-function-type -- TypeORM's own type for entity classes
    readonly entities: MixedList<Function>;
    // eslint-disable-next-line @typescript-eslint/no-unsafe-function-type -- TypeORM's own type for migration classes
    readonly migrations: MixedList<Function>;
  };
  readonly kafka?: Omit<KafkaModuleOptions, 'service' | 'metricsRegistry' | 'env'>;
  /** Environment to read instead of process.env (tests). */
  readonly env?: NodeJS.ProcessEnv;
}

export const PLATFORM_OPTIONS = Symbol('PLATFORM_OPTIONS');
export const SERVICE_CONFIG = Symbol('SERVICE_CONFIG');
