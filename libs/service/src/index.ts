export { HealthModule } from './health/health.module';
export { exitOnStartupError, runService } from './bootstrap/run-service';
export type { RunServiceOptions } from './bootstrap/run-service';
export { loadServiceConfig } from './bootstrap/service-config';
export type { ServiceConfig, ServiceLogLevel } from './bootstrap/service-config';
