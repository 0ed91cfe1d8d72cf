import { maskEmail } from './mask-email';

describe('maskEmail', () => {
  it('keeps the first character of the local part and the full domain', () => {
    expect(maskEmail('ada.lovelace@example.com')).toBe('a***@example.com');
  });

  it('hides the length of the local part, even a one-character one', () => {
    expect(maskEmail('a@x.io')).toBe('a***@x.io');
  });

  it.each(['', 'not-an-email', '@example.com'])('masks %p completely when there is no local part', (email) => {
    expect(maskEmail(email)).toBe('***');
  });

  it('splits at the last "@" and keeps a non-BMP first character whole', () => {
    expect(maskEmail('"a@b"@example.com')).toBe('"***@example.com');
    expect(maskEmail('😀x@example.com')).toBe('😀***@example.com');
  });
});
