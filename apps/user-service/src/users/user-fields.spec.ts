import { emailProblem, isLocaleTag, nameProblem } from './user-fields';

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
});
