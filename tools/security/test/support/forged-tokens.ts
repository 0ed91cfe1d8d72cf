import { createPublicKey } from 'node:crypto';
import {
  DEMO_USERS,
  accessToken,
  audienceMapper,
  masterRealmAdminToken,
  passwordGrant,
  registerTestClient,
  stackEndpoints,
  uniqueName,
  waitFor,
} from '@kafka-platform/testing';
import type { TestClient } from '@kafka-platform/testing';
import { SignJWT, decodeJwt, decodeProtectedHeader, generateKeyPair } from 'jose';

const SERVICES = ['user-service', 'email-service', 'dashboard-service'];
const issuer = () => stackEndpoints().oidcIssuerUrl;
const base64url = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');

/** Tokens no service may accept, each failing one check; built from real tokens of the stack's provider. */
export interface ForgedTokens {
  readonly expired: string;
  readonly wrongIssuer: string;
  readonly wrongAudience: string;
  readonly algNone: string;
  readonly hs256WithPublicKey: string;
  readonly otherKey: string;
}

/** Clients registered for the forgeries; removed by `release`. */
export async function forgeTokens(): Promise<{ tokens: ForgedTokens; release: () => Promise<void> }> {
  const clients: TestClient[] = [];
  try {
    const real = await accessToken('ada');
    const tokens: ForgedTokens = {
      expired: await expiredToken(clients),
      // A valid token of the same provider, but of its `master` realm: another issuer (and its own keys).
      wrongIssuer: await masterRealmAdminToken(),
      wrongAudience: await tokenWithoutAudience(clients),
      algNone: `${base64url({ alg: 'none', typ: 'JWT' })}.${base64url(decodeJwt(real))}.`,
      hs256WithPublicKey: await hs256SignedWithPublicKey(real),
      otherKey: await signedByAnotherKey(real),
    };
    return { tokens, release: () => removeAll(clients) };
  } catch (error) {
    await removeAll(clients);
    throw error;
  }
}

async function removeAll(clients: readonly TestClient[]): Promise<void> {
  await Promise.all(clients.map((client) => client.remove()));
}

/** A password-grant client of the realm for this suite: `audiences` in `aud`, tokens living `lifespan` seconds. */
async function grantClient(clients: TestClient[], audiences: readonly string[], lifespan?: number): Promise<string> {
  const client = await registerTestClient({
    clientId: uniqueName('security'),
    publicClient: true,
    standardFlowEnabled: false,
    directAccessGrantsEnabled: true,
    ...(lifespan && { attributes: { 'access.token.lifespan': String(lifespan) } }),
    protocolMappers: audiences.map(audienceMapper),
  });
  clients.push(client);
  return client.clientId;
}

const realmGrant = async (clientId: string) =>
  (await passwordGrant(issuer(), clientId, 'ada', DEMO_USERS.ada.password)).token;

/** Signed by the realm, for the right audiences, but past `exp` (it lived one second). */
async function expiredToken(clients: TestClient[]): Promise<string> {
  const token = await realmGrant(await grantClient(clients, SERVICES, 1));
  const { exp = 0 } = decodeJwt(token);
  await waitFor('the one-second token to expire', () => Date.now() / 1000 > exp + 1, { timeoutMs: 10_000 });
  return token;
}

/** Signed by the realm for the same user, but minted for a client whose tokens name none of the services. */
async function tokenWithoutAudience(clients: TestClient[]): Promise<string> {
  return realmGrant(await grantClient(clients, []));
}

/** The "algorithm confusion" attack: HMAC with the issuer's public key as the secret, the real key id. */
async function hs256SignedWithPublicKey(real: string): Promise<string> {
  const { kid } = decodeProtectedHeader(real);
  const jwks = (await (await fetch(`${issuer()}/protocol/openid-connect/certs`)).json()) as {
    keys: ({ kid?: string } & Record<string, unknown>)[];
  };
  const jwk = jwks.keys.find((key) => key.kid === kid);
  if (!jwk) throw new Error(`the issuer's JWKS has no key ${kid}`);
  const pem = createPublicKey({ key: jwk, format: 'jwk' }).export({ type: 'spki', format: 'pem' });
  return new SignJWT(decodeJwt(real)).setProtectedHeader({ alg: 'HS256', typ: 'JWT', kid }).sign(Buffer.from(pem));
}

/** The right claims and the real key id, signed with a key the issuer never had. */
async function signedByAnotherKey(real: string): Promise<string> {
  const { kid } = decodeProtectedHeader(real);
  const { privateKey } = await generateKeyPair('RS256');
  return new SignJWT(decodeJwt(real)).setProtectedHeader({ alg: 'RS256', typ: 'JWT', kid }).sign(privateKey);
}
