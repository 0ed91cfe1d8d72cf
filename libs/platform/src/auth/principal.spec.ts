import { Role, hasRole, principalFrom } from './principal';

describe('principalFrom', () => {
  it("takes realm roles and the service's own client roles, and only a verified email", () => {
    const principal = principalFrom(
      {
        sub: 'u-1',
        preferred_username: 'vera',
        email: 'Vera@Example.com',
        email_verified: true,
        realm_access: { roles: ['users:read', 'default-roles-kafka-platform'] },
        resource_access: { 'user-service': { roles: ['admin'] }, 'email-service': { roles: ['users:write'] } },
      },
      'user-service',
    );
    expect(principal).toEqual({
      subject: 'u-1',
      username: 'vera',
      verifiedEmail: 'vera@example.com',
      roles: new Set(['users:read', 'default-roles-kafka-platform', 'admin']),
    });
    expect(hasRole(principal, Role.Admin)).toBe(true);
    expect(hasRole(principal, Role.UsersWrite)).toBe(false);
  });

  it('ignores an unverified email and malformed role claims', () => {
    const principal = principalFrom(
      { sub: 'u-2', email: 'sam@example.com', email_verified: false, realm_access: { roles: 'admin' } },
      'user-service',
    );
    expect(principal.verifiedEmail).toBeUndefined();
    expect(principal.roles.size).toBe(0);
    expect(hasRole(undefined, Role.Admin)).toBe(false);
  });
});
