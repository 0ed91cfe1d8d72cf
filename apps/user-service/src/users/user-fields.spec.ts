import { emailProblem, isLocaleTag, nameProblem, textProblem } from './user-fields';

describe('isLocaleTag', () => {
  it.each(['en', 'de-CH', 'de-ch', 'fr', 'zh-Hant-TW', 'es-419', 'sl-rozaj', 'gsw'])('accepts %s', (tag) => {
    expect(isLocaleTag(tag)).toBe(true);
  });

  it.each(['', 'e', 'english', 'en_US', 'en-', '-en', 'de-CH-', 'en-US-x', '12', 'en US', 'a'.repeat(40), 7, null])(
    'refuses %p',
    (tag) => {
      expect(isLocaleTag(tag)).toBe(false);
    },
  );
});

describe('nameProblem', () => {
  it('accepts 1 to 100 characters', () => {
    expect(nameProblem('A')).toBeUndefined();
    expect(nameProblem('n'.repeat(100))).toBeUndefined();
  });

  it('names the one problem of a bad value', () => {
    expect(nameProblem(undefined)).toBe('must be a string');
    expect(nameProblem('')).toBe('must be 1 to 100 characters (after trimming)');
    expect(nameProblem('n'.repeat(101))).toBe('must be 1 to 100 characters (after trimming)');
  });

  it('counts characters, not UTF-16 units, and limits the UTF-8 bytes to 300', () => {
    expect(nameProblem('😀'.repeat(75))).toBeUndefined();
    expect(nameProblem('😀'.repeat(76))).toBe('must be at most 300 bytes in UTF-8');
    // Three bytes each: any 100 characters of a living script fit.
    expect(nameProblem('界'.repeat(100))).toBeUndefined();
    expect(nameProblem('界'.repeat(101))).toBe('must be 1 to 100 characters (after trimming)');
  });

  it('keeps the joiners that Persian, Indic scripts and emoji need', () => {
    expect(nameProblem('می\u200cخواهم')).toBeUndefined();
    expect(nameProblem('👩\u200d💻 Ada')).toBeUndefined();
  });

  it.each<[string, string, string]>([
    ['a NUL', 'Ada\u0000Lovelace', 'control characters'],
    ['a tab', 'Ada\tLovelace', 'control characters'],
    ['a line break', 'Ada\nLovelace', 'control characters'],
    ['DEL', 'Ada\u007f', 'control characters'],
    ['a C1 control', 'Ada\u0085', 'control characters'],
    ['a line separator', 'Ada\u2028Lovelace', 'control characters'],
    ['a lone high surrogate', 'Ada\ud800', 'lone surrogate'],
    ['a lone low surrogate', '\udc00Ada', 'lone surrogate'],
    ['a right-to-left override', 'Ada\u202egnp.exe', 'bidirectional'],
    ['a left-to-right isolate', 'Ada\u2066x', 'bidirectional'],
    ['a right-to-left mark', 'Ada\u200f', 'bidirectional'],
  ])('refuses %s', (_case, name, problem) => {
    expect(nameProblem(name)).toContain(problem);
  });
});

describe('textProblem', () => {
  it('accepts well-formed single-line text, astral characters included', () => {
    expect(textProblem('Zoë 😀 𝔄da')).toBeUndefined();
  });

  it('names a lone surrogate before anything else', () => {
    expect(textProblem('\u0000\ud800')).toBe('must be well-formed Unicode (it contains a lone surrogate)');
  });
});

describe('emailProblem', () => {
  it('accepts an address and refuses anything else, including one over 254 characters', () => {
    expect(emailProblem('ada@example.com')).toBeUndefined();
    expect(emailProblem('ada@')).toBe('must be a valid email address');
    expect(emailProblem(42)).toBe('must be a valid email address');
    const label = (letter: string) => letter.repeat(60);
    const long = `${label('a')}@${label('b')}.${label('c')}.${label('d')}.${label('e').slice(0, 10)}.com`;
    expect(long).toHaveLength(258);
    expect(emailProblem(long)).toBe('must be a valid email address');
  });

  it('answers instead of throwing for what makes isEmail throw (a lone surrogate)', () => {
    expect(() => emailProblem('a\ud800b@example.com')).not.toThrow();
    expect(emailProblem('a\ud800b@example.com')).toBe('must be well-formed Unicode (it contains a lone surrogate)');
    expect(emailProblem('ab@exa\udfffmple.com')).toBe('must be well-formed Unicode (it contains a lone surrogate)');
  });

  it.each<[string, string, string]>([
    ['a quoted local part', '"a b"@example.com', 'must not have a quoted local part'],
    ['a quoted local part holding an @', '"a@b"@example.com', 'must not have a quoted local part'],
    ['a NUL', 'a\u0000b@example.com', 'must not contain control characters such as NUL, tabs or line breaks'],
    [
      'a line break',
      'a@example.com\nBcc: b@example.com',
      'must not contain control characters such as NUL, tabs or line breaks',
    ],
    ['a right-to-left override', 'a\u202eb@example.com', 'must not contain bidirectional control characters'],
    ['a zero-width space', 'a\u200bb@example.com', 'must not contain invisible formatting characters'],
    ['a soft hyphen in the domain', 'ab@exa\u00admple.com', 'must not contain invisible formatting characters'],
  ])('refuses %s', (_case, address, problem) => {
    expect(emailProblem(address)).toBe(problem);
  });

  it('limits the address to 254 UTF-8 bytes, not only 254 characters', () => {
    // isEmail itself allows 64 bytes before the @ and 254 after it.
    const address = `${'ö'.repeat(30)}@${'ä'.repeat(60)}.${'ö'.repeat(40)}.example`;
    expect(address.length).toBeLessThanOrEqual(254);
    expect(Buffer.byteLength(address)).toBeGreaterThan(254);
    expect(emailProblem(address)).toBe('must be at most 254 bytes in UTF-8');
    expect(emailProblem('jösé@exämple.com')).toBeUndefined();
  });
});
