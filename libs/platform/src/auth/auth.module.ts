import { Module } from '@nestjs/common';
import type { DynamicModule } from '@nestjs/common';
import { loadAuthConfig } from './auth-config';
import { AUTH_CONFIG, TokenVerifier } from './token-verifier';

/** What BearerAuthGuard checks tokens with: the issuer's settings and its signing keys. */
@Module({})
export class AuthModule {
  static forRoot(env: NodeJS.ProcessEnv, service: string): DynamicModule {
    return {
      module: AuthModule,
      providers: [
        // A factory: the config is checked when the app is built, and a bad value stops it naming the variable.
        { provide: AUTH_CONFIG, useFactory: () => loadAuthConfig(env, service) },
        TokenVerifier,
      ],
      exports: [AUTH_CONFIG, TokenVerifier],
    };
  }
}
