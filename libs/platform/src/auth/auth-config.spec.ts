import { ConfigError } from '@kafka-platform/core';
import { LOCAL_ISSUER, loadAuthConfig } from './auth-config';

const issuesOf = (env: NodeJS.ProcessEnv): readonly string[] => {
  try {
    loadAuthConfig(env, 'user-service');
  } catch (error) {
    if (error instanceof ConfigError) return error.issues;
    throw error;
  }
  return [];
};

describe('auth config', () => {
  it("defaults to the local stack's issuer, the service as audience and RS256 only", () => {
    expect(loadAuthConfig({}, 'user-service')).toEqual({
      issuer: LOCAL_ISSUER,
      audience: 'user-service',
      algorithms: ['RS256'],
      clockToleranceSeconds: 30,
    });
  });

  it('takes an external issuer (trailing slash dropped), its JWKS URL, an audience and algorithms', () => {
    expect(
      loadAuthConfig(
        {
          OIDC_ISSUER_URL: 'https://id.example.com/realms/kafka-platform/',
          OIDC_JWKS_URL: 'http://keycloak:8080/realms/kafka-platform/protocol/openid-connect/certs',
          OIDC_AUDIENCE: 'users-api',
          OIDC_ALGORITHMS: 'RS256, ES256',
          OIDC_CLOCK_TOLERANCE_SECONDS: '0',
        },
        'user-service',
      ),
    ).toEqual({
      issuer: 'https://id.example.com/realms/kafka-platform',
      jwksUrl: 'http://keycloak:8080/realms/kafka-platform/protocol/openid-connect/certs',
      audience: 'users-api',
      algorithms: ['RS256', 'ES256'],
      clockToleranceSeconds: 0,
    });
  });

  it.each([
    [{ OIDC_ISSUER_URL: 'id.example.com' }, /^OIDC_ISSUER_URL must be an http\(s\) URL/],
    [{ OIDC_ALGORITHMS: 'HS256' }, /^OIDC_ALGORITHMS must list asymmetric algorithms only/],
    [{ OIDC_ALGORITHMS: 'RS256,none' }, /^OIDC_ALGORITHMS must list asymmetric algorithms only/],
    [{ OIDC_AUDIENCE: ' ' }, /^OIDC_AUDIENCE must not be empty/],
    [{ OIDC_CLOCK_TOLERANCE_SECONDS: '3600' }, /^OIDC_CLOCK_TOLERANCE_SECONDS must be a whole number/],
  ])('names the variable that is wrong: %p', (env, issue) => {
    const issues = issuesOf(env);
    expect(issues).toHaveLength(1);
    expect(issues[0]).toMatch(issue);
  });
});
