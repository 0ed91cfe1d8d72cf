import { stackEndpoints } from '../endpoints';
import { passwordGrant } from './password-grant';

/** The realm's demo users (deploy/keycloak/kafka-platform-realm.json): admin, users:read, and no role. */
export const DEMO_USERS = {
  ada: { password: 'ada-demo-password', email: 'ada@example.com', roles: ['admin', 'users:read', 'users:write'] },
  vera: { password: 'vera-demo-password', email: 'vera@example.com', roles: ['users:read'] },
  sam: { password: 'sam-demo-password', email: 'sam@example.com', roles: [] },
} as const;
export type DemoUser = keyof typeof DEMO_USERS;

/** The public client whose tokens name all three services as audience (password grant: development realm only). */
export const CLI_CLIENT = 'platform-cli';

const cache = new Map<DemoUser, { token: string; renewAt: number }>();

/** A real access token for a demo user from the stack's identity provider, reused until shortly before expiry. */
export async function accessToken(user: DemoUser, env: NodeJS.ProcessEnv = process.env): Promise<string> {
  const cached = cache.get(user);
  if (cached && cached.renewAt > Date.now()) return cached.token;
  const { token, expiresIn } = await passwordGrant(
    stackEndpoints(env).oidcIssuerUrl,
    CLI_CLIENT,
    user,
    DEMO_USERS[user].password,
  );
  cache.set(user, { token, renewAt: Date.now() + (expiresIn - 30) * 1000 });
  return token;
}

/** `{ authorization: 'Bearer …' }` for fetch, as the demo user. */
export async function authHeaders(user: DemoUser = 'ada', env?: NodeJS.ProcessEnv): Promise<Record<string, string>> {
  return { authorization: `Bearer ${await accessToken(user, env)}` };
}
