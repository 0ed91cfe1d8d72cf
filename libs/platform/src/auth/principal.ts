/** Who made a request, from a verified access token. */
export interface Principal {
  readonly subject: string;
  readonly username?: string;
  /** Only an address the provider verified: ownership of a user record is decided by it. */
  readonly verifiedEmail?: string;
  readonly roles: ReadonlySet<string>;
}

/** The platform's roles, as the realm (deploy/keycloak/kafka-platform-realm.json) defines them. */
export const Role = {
  UsersRead: 'users:read',
  UsersWrite: 'users:write',
  Admin: 'admin',
} as const;
export type Role = (typeof Role)[keyof typeof Role];

export const hasRole = (principal: Principal | undefined, role: Role): boolean => !!principal?.roles.has(role);

/**
 * Keycloak puts realm roles in `realm_access.roles` and a client's roles in `resource_access.<client>.roles`;
 * the service's own client roles count as well as the realm's.
 */
export function principalFrom(claims: Record<string, unknown>, audience: string): Principal {
  const realm = rolesIn(claims['realm_access']);
  const client = rolesIn((claims['resource_access'] as Record<string, unknown> | undefined)?.[audience]);
  const email = claims['email'];
  const username = claims['preferred_username'];
  return {
    subject: String(claims['sub'] ?? ''),
    ...(typeof username === 'string' && { username }),
    ...(typeof email === 'string' && claims['email_verified'] === true && { verifiedEmail: email.toLowerCase() }),
    roles: new Set([...realm, ...client]),
  };
}

function rolesIn(access: unknown): string[] {
  const roles = (access as { roles?: unknown } | undefined)?.roles;
  return Array.isArray(roles) ? roles.filter((role): role is string => typeof role === 'string') : [];
}
