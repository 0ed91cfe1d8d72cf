export { createServiceApp, exitOnStartupError, runService, startService } from './bootstrap/run-service';
export type { RunServiceOptions } from './bootstrap/run-service';
export { loadServiceConfig } from './config/service-config';
export type { ServiceConfig, ServiceLogLevel } from './config/service-config';
export { CORRELATION_HEADER, MAX_BODY, fieldErrors } from './http/configure-http';
export { DependencyUnavailableFilter, RETRY_AFTER_SECONDS } from './http/dependency-unavailable.filter';
export { HTTP_LIMITS, SignupRateLimit, loadHttpLimits } from './http/http-limits';
export type { HttpLimits } from './http/http-limits';
export type { FieldError } from './http/configure-http';
export { PLATFORM_OPTIONS, SERVICE_CONFIG } from './platform/platform-options';
export type { PlatformOptions } from './platform/platform-options';
export { PlatformModule } from './platform/platform.module';
export { DATABASE_POOL, hearServerErrors } from './database/database-pool';
export { Caller, Public, RequireRoles } from './auth/auth.decorators';
export { LOCAL_ISSUER, loadAuthConfig } from './auth/auth-config';
export type { AuthConfig } from './auth/auth-config';
export { AUTH_CONFIG } from './auth/token-verifier';
export { Role, hasRole } from './auth/principal';
export type { Principal } from './auth/principal';
export { DOCS_PATH, ManagementServer } from './metrics/management-server';
export {
  type KeysetColumns,
  type KeysetPage,
  type KeysetPosition,
  decodeKeysetCursor,
  encodeKeysetCursor,
  keysetCursorProblem,
  newestFirstPage,
} from './http/keyset-cursor';
