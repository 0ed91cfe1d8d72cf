import { parseEnv } from '@kafka-platform/core';
import { z } from 'zod';

/** The issuer `npm start` and the local stack run (Keycloak, realm kafka-platform). */
export const LOCAL_ISSUER = 'http://localhost:8180/realms/kafka-platform';

// Asymmetric only: a service holds no secret that could sign, and HS256 "signed" with a public key must fail.
const ASYMMETRIC = ['RS256', 'RS384', 'RS512', 'PS256', 'PS384', 'PS512', 'ES256', 'ES384', 'ES512', 'EdDSA'] as const;

export interface AuthConfig {
  /** Tokens must carry exactly this `iss`. */
  readonly issuer: string;
  /** Tokens must name this service in `aud`: a token minted for another API is refused. */
  readonly audience: string;
  /** Where the signing keys are; when unset, the issuer's discovery document says. */
  readonly jwksUrl?: string;
  readonly algorithms: readonly string[];
  /** Clock skew tolerated on exp/nbf/iat between the provider and this pod. */
  readonly clockToleranceSeconds: number;
}

const url = (what: string) =>
  z
    .string()
    .trim()
    .refine((value) => /^https?:\/\/[^/\s]+/.test(value), { error: `must be an http(s) URL of the ${what}` })
    .transform((value) => value.replace(/\/+$/, ''));

export function loadAuthConfig(env: NodeJS.ProcessEnv, service: string): AuthConfig {
  const values = parseEnv(
    z.object({
      OIDC_ISSUER_URL: url('OpenID Connect issuer (e.g. https://id.example.com/realms/kafka-platform)').default(
        LOCAL_ISSUER,
      ),
      OIDC_AUDIENCE: z.string().trim().min(1, 'must not be empty').default(service),
      OIDC_JWKS_URL: url("issuer's JWKS endpoint").optional(),
      OIDC_ALGORITHMS: z
        .string()
        .default('RS256')
        .transform((value) => value.split(',').map((alg) => alg.trim()))
        .refine((algs) => algs.every((alg) => (ASYMMETRIC as readonly string[]).includes(alg)), {
          error: `must list asymmetric algorithms only (${ASYMMETRIC.join(', ')})`,
        }),
      OIDC_CLOCK_TOLERANCE_SECONDS: z.coerce
        .number({ error: 'must be a whole number of seconds from 0 to 300' })
        .int('must be a whole number of seconds from 0 to 300')
        .min(0, 'must be a whole number of seconds from 0 to 300')
        .max(300, 'must be a whole number of seconds from 0 to 300')
        .default(30),
    }),
    env,
  );
  return {
    issuer: values.OIDC_ISSUER_URL,
    audience: values.OIDC_AUDIENCE,
    ...(values.OIDC_JWKS_URL && { jwksUrl: values.OIDC_JWKS_URL }),
    algorithms: values.OIDC_ALGORITHMS,
    clockToleranceSeconds: values.OIDC_CLOCK_TOLERANCE_SECONDS,
  };
}
