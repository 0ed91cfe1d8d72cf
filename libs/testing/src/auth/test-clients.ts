import { stackEndpoints } from '../endpoints';
import { passwordGrant } from './password-grant';

/**
 * The local stack's Keycloak bootstrap admin (tools/local-stack/lib/keycloak.mjs): development only. KEYCLOAK_ADMIN /
 * KEYCLOAK_ADMIN_PASSWORD point tests at another provider's admin.
 */
const admin = (env: NodeJS.ProcessEnv) => ({
  username: env['KEYCLOAK_ADMIN'] ?? 'admin',
  password: env['KEYCLOAK_ADMIN_PASSWORD'] ?? 'admin',
});

/** The issuer's base (`http://host:port`) and realm name, from `<base>/realms/<realm>`. */
function realmOf(env: NodeJS.ProcessEnv): { base: string; realm: string } {
  const issuer = stackEndpoints(env).oidcIssuerUrl;
  const match = /^(.*)\/realms\/([^/]+)$/.exec(issuer);
  if (!match?.[1] || !match[2]) throw new Error(`OIDC_ISSUER_URL ${issuer} is not a Keycloak realm URL`);
  return { base: match[1], realm: match[2] };
}

/** A token of the provider's bootstrap admin, from its `master` realm: another issuer than the platform's realm. */
export async function masterRealmAdminToken(env: NodeJS.ProcessEnv = process.env): Promise<string> {
  const { username, password } = admin(env);
  return (await passwordGrant(`${realmOf(env).base}/realms/master`, 'admin-cli', username, password)).token;
}

export interface TestClient {
  readonly clientId: string;
  /** Removes the client from the realm. */
  remove(): Promise<void>;
}

/**
 * Registers a client of the realm for one test, through Keycloak's admin API: a page on a test's own port needs its
 * exact redirect URI and web origin, and the realm's file keeps only the real ones. `representation` is Keycloak's
 * ClientRepresentation (clientId included).
 */
export async function registerTestClient(
  representation: { clientId: string } & Record<string, unknown>,
  env: NodeJS.ProcessEnv = process.env,
): Promise<TestClient> {
  const { base, realm } = realmOf(env);
  const clients = `${base}/admin/realms/${realm}/clients`;
  const headers = async () => ({
    authorization: `Bearer ${await masterRealmAdminToken(env)}`,
    'content-type': 'application/json',
  });
  const created = await fetch(clients, {
    method: 'POST',
    headers: await headers(),
    body: JSON.stringify(representation),
  });
  if (created.status !== 201) throw new Error(`registering ${representation.clientId}: HTTP ${created.status}`);
  const location = created.headers.get('location') ?? '';
  return {
    clientId: representation.clientId,
    remove: async () => {
      await fetch(location, { method: 'DELETE', headers: await headers() });
    },
  };
}

/** A Keycloak audience mapper: tokens of the client name `audience` in `aud`. */
export const audienceMapper = (audience: string) => ({
  name: `audience ${audience}`,
  protocol: 'openid-connect',
  protocolMapper: 'oidc-audience-mapper',
  config: { 'included.client.audience': audience, 'access.token.claim': 'true', 'id.token.claim': 'false' },
});
