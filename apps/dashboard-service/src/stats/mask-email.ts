const MASK = '***';

/** Shows enough of an address to recognise it on the dashboard without exposing it: `a***@example.com`. */
export function maskEmail(email: string): string {
  // The last "@" separates the domain: a quoted local part may contain "@" itself.
  const at = email.lastIndexOf('@');
  if (at <= 0) return MASK;
  // Spread by code point so an emoji or other astral first character is not cut in half.
  const [first] = [...email.slice(0, at)];
  return `${first}${MASK}${email.slice(at)}`;
}
