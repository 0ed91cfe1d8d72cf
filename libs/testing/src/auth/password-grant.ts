/** A token from an OpenID Connect issuer's token endpoint (Keycloak's path) for a user's name and password. */
export async function passwordGrant(
  issuer: string,
  clientId: string,
  username: string,
  password: string,
): Promise<{ token: string; expiresIn: number }> {
  const response = await fetch(`${issuer}/protocol/openid-connect/token`, {
    method: 'POST',
    body: new URLSearchParams({ grant_type: 'password', client_id: clientId, username, password, scope: 'openid' }),
  });
  if (!response.ok) {
    throw new Error(`password grant for ${username} (${clientId}): HTTP ${response.status} ${await response.text()}`);
  }
  const body = (await response.json()) as { access_token: string; expires_in: number };
  return { token: body.access_token, expiresIn: body.expires_in };
}
