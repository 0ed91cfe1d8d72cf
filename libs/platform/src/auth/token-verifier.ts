import { TransientError } from '@kafka-platform/core';
import { Inject, Injectable } from '@nestjs/common';
import { createRemoteJWKSet, errors, jwtVerify } from 'jose';
import type { JWTVerifyGetKey } from 'jose';
import type { AuthConfig } from './auth-config';
import { principalFrom } from './principal';
import type { Principal } from './principal';

export const AUTH_CONFIG = Symbol('AUTH_CONFIG');

/** A token that does not prove who sent it: 401, with the reason for the client (RFC 6750 `invalid_token`). */
export class InvalidTokenError extends Error {
  override readonly name = 'InvalidTokenError';
}

// A JWKS endpoint that cannot be reached, times out or answers garbage is the provider's outage, not a bad token.
const PROVIDER_FAILURES = new Set(['ERR_JWKS_TIMEOUT', 'ERR_JWKS_INVALID', 'ERR_JOSE_GENERIC']);

/**
 * Checks bearer tokens against the issuer's signing keys: signature, `iss`, `aud`, `exp`/`nbf`, and an algorithm
 * from the configured list only. Keys are fetched once and cached (jose refetches, at most every 30 s, when a
 * token names a key it does not know: that is how a key rotation is picked up).
 */
@Injectable()
export class TokenVerifier {
  private keys?: Promise<JWTVerifyGetKey>;

  constructor(@Inject(AUTH_CONFIG) private readonly config: AuthConfig) {}

  async verify(token: string): Promise<Principal> {
    const keys = await this.keySet();
    try {
      const { payload } = await jwtVerify(token, keys, {
        issuer: this.config.issuer,
        audience: this.config.audience,
        algorithms: [...this.config.algorithms],
        clockTolerance: this.config.clockToleranceSeconds,
        requiredClaims: ['exp', 'sub'],
      });
      return principalFrom(payload, this.config.audience);
    } catch (error) {
      throw this.failure(error);
    }
  }

  private failure(error: unknown): Error {
    if (error instanceof errors.JOSEError && !PROVIDER_FAILURES.has(error.code)) {
      return new InvalidTokenError(reason(error));
    }
    return unavailable(error);
  }

  private keySet(): Promise<JWTVerifyGetKey> {
    this.keys ??= this.discoverKeys().catch((error: unknown) => {
      this.keys = undefined; // a provider that was down is asked again by the next request
      throw unavailable(error);
    });
    return this.keys;
  }

  private async discoverKeys(): Promise<JWTVerifyGetKey> {
    const jwksUrl = this.config.jwksUrl ?? (await this.discoveredJwksUrl());
    return createRemoteJWKSet(new URL(jwksUrl), { timeoutDuration: 3000 });
  }

  private async discoveredJwksUrl(): Promise<string> {
    const response = await fetch(`${this.config.issuer}/.well-known/openid-configuration`, {
      signal: AbortSignal.timeout(3000),
    });
    if (!response.ok) throw new Error(`the issuer's discovery document answered HTTP ${response.status}`);
    const document = (await response.json()) as { issuer?: unknown; jwks_uri?: unknown };
    if (document.issuer !== this.config.issuer || typeof document.jwks_uri !== 'string') {
      throw new Error(`the discovery document names issuer ${String(document.issuer)}, not ${this.config.issuer}`);
    }
    return document.jwks_uri;
  }
}

function reason(error: InstanceType<typeof errors.JOSEError>): string {
  if (error instanceof errors.JWTExpired) return 'the token has expired';
  if (error instanceof errors.JWTClaimValidationFailed) return `the token's "${error.claim}" claim is not accepted`;
  if (error instanceof errors.JOSEAlgNotAllowed) return "the token's signing algorithm is not accepted";
  if (error instanceof errors.JWKSNoMatchingKey) return 'the token is not signed by a key of the issuer';
  if (error instanceof errors.JWSSignatureVerificationFailed) return "the token's signature is not valid";
  return 'the token is malformed';
}

function unavailable(error: unknown): TransientError {
  const detail = error instanceof Error ? error.message : String(error);
  return new TransientError(
    'IDENTITY_PROVIDER_UNAVAILABLE',
    `the identity provider's signing keys cannot be fetched: ${detail}`,
    { cause: error },
  );
}
