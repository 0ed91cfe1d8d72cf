import { KafkaModule } from '@kafka-platform/kafka';
import { Module } from '@nestjs/common';
import type { DynamicModule } from '@nestjs/common';
import { ConfigModule } from '@nestjs/config';
import { APP_GUARD } from '@nestjs/core';
import { ThrottlerModule } from '@nestjs/throttler';
import { TerminusModule } from '@nestjs/terminus';
import { TypeOrmModule } from '@nestjs/typeorm';
import { LoggerModule } from 'nestjs-pino';
import type { Registry } from 'prom-client';
import { loadServiceConfig } from '../config/service-config';
import type { ServiceConfig } from '../config/service-config';
import { DATABASE_POOL } from '../database/database-pool';
import { DatabaseDependency } from '../database/database-dependency';
import { KafkaClusterBinding } from '../database/kafka-cluster-binding';
import { RecordKafkaCluster1764200000000 } from '../database/kafka-cluster.migration';
import { HealthController } from '../health/health.controller';
import { loggerParams } from '../logging/logging';
import { METRICS_REGISTRY } from '@kafka-platform/core';
import { ManagementServer } from '../metrics/management-server';
import { createMetricsRegistry } from '../metrics/metrics';
import { AuthModule } from '../auth/auth.module';
import { BearerAuthGuard } from '../auth/bearer-auth.guard';
import { HTTP_LIMITS, loadHttpLimits, throttlerOptions } from '../http/http-limits';
import { RateLimitGuard } from '../http/rate-limit.guard';
import { PLATFORM_OPTIONS, SERVICE_CONFIG } from './platform-options';
import { TelemetryShutdown } from './telemetry-shutdown';
import type { PlatformOptions } from './platform-options';

/**
 * Everything a service of the platform has besides its use cases: checked config, JSON logs with correlation
 * ids, Kafka (publisher, consumer group, health, metrics), its database with migrations, bearer-token
 * authentication on every route, /health on the API port and /metrics on the management port.
 */
@Module({})
export class PlatformModule {
  static forRoot(options: PlatformOptions): DynamicModule {
    const env = options.env ?? process.env;
    // Checked once here, typed from then on; a bad value stops the start naming the variable.
    const config = (): ServiceConfig =>
      loadServiceConfig(env, options.defaultPort, { database: Boolean(options.database) });
    return {
      module: PlatformModule,
      global: true,
      imports: [
        ConfigModule.forRoot({ isGlobal: true, ignoreEnvFile: true, cache: true }),
        LoggerModule.forRootAsync({
          inject: [SERVICE_CONFIG],
          useFactory: (service: ServiceConfig) => loggerParams(options.service, service.logLevel),
        }),
        TerminusModule.forRoot({ logger: false, errorLogStyle: 'json' }),
        KafkaModule.forRoot({ ...options.kafka, service: options.service, env }),
        AuthModule.forRoot(env, options.service),
        ThrottlerModule.forRootAsync({ inject: [HTTP_LIMITS], useFactory: throttlerOptions }),
        ...(options.database ? [databaseModule(options.database, config)] : []),
      ],
      controllers: [HealthController],
      providers: [
        { provide: PLATFORM_OPTIONS, useValue: options },
        { provide: SERVICE_CONFIG, useFactory: config },
        { provide: HTTP_LIMITS, useFactory: () => loadHttpLimits(env) },
        // In this order: an address over its limit is turned away before its token costs a verification.
        { provide: APP_GUARD, useClass: RateLimitGuard },
        { provide: APP_GUARD, useClass: BearerAuthGuard },
        // A factory, not a value made in forRoot: every app built from the module gets its own registry.
        { provide: METRICS_REGISTRY, useFactory: (): Registry => createMetricsRegistry(options.service) },
        ManagementServer,
        TelemetryShutdown,
        ...(options.database ? [DatabaseDependency, KafkaClusterBinding] : []),
      ],
      exports: [PLATFORM_OPTIONS, SERVICE_CONFIG, METRICS_REGISTRY, HTTP_LIMITS, ManagementServer, AuthModule],
    };
  }
}

function databaseModule(database: NonNullable<PlatformOptions['database']>, config: () => ServiceConfig) {
  return TypeOrmModule.forRootAsync({
    useFactory: () => ({
      type: 'postgres' as const,
      url: config().databaseUrl,
      entities: database.entities,
      migrations: [
        ...(database.migrations as unknown[]),
        RecordKafkaCluster1764200000000,
      ] as typeof database.migrations,
      migrationsRun: true,
      migrationsTransactionMode: 'each' as const,
      synchronize: false,
      // Fail the start quickly with the cause rather than retrying for half a minute in silence.
      retryAttempts: 2,
      retryDelay: 1000,
      extra: DATABASE_POOL,
    }),
  });
}
