import { MAX_BODY_DEPTH, nestsDeeperThan } from './configure-http';

/** `depth` arrays inside each other, built without recursion so a test can go deeper than any stack. */
function nestedArrays(depth: number): unknown {
  let value: unknown = 'leaf';
  for (let level = 0; level < depth; level++) value = [value];
  return value;
}

describe('nestsDeeperThan', () => {
  it('counts the body itself as the first level, objects and arrays alike', () => {
    expect(nestsDeeperThan({ email: 'a@example.com' }, 1)).toBe(false);
    expect(nestsDeeperThan({ a: { b: 1 } }, 1)).toBe(true);
    expect(nestsDeeperThan({ a: [1, 2] }, 2)).toBe(false);
    expect(nestsDeeperThan({ a: [[1]] }, 2)).toBe(true);
  });

  it('lets exactly the limit through and refuses one level more', () => {
    expect(nestsDeeperThan(nestedArrays(MAX_BODY_DEPTH), MAX_BODY_DEPTH)).toBe(false);
    expect(nestsDeeperThan(nestedArrays(MAX_BODY_DEPTH + 1), MAX_BODY_DEPTH)).toBe(true);
  });

  it('finds a deep branch beside shallow ones', () => {
    expect(nestsDeeperThan({ a: 1, b: [2, 3], c: { d: nestedArrays(MAX_BODY_DEPTH) } }, MAX_BODY_DEPTH)).toBe(true);
  });

  it('takes no body, scalars and null as depth 0', () => {
    for (const value of [undefined, null, 'text', 42, true]) expect(nestsDeeperThan(value, 0)).toBe(false);
  });

  it('cannot overflow the stack itself, however deep the value', () => {
    // Far deeper than the recursion of class-transformer survives (a 100 KB body holds about 50,000 levels).
    expect(nestsDeeperThan(nestedArrays(1_000_000), MAX_BODY_DEPTH)).toBe(true);
  });

  it('walks a wide but flat value to the end', () => {
    const wide = Object.fromEntries(Array.from({ length: 50_000 }, (_, index) => [`k${index}`, [index]]));
    expect(nestsDeeperThan(wide, MAX_BODY_DEPTH)).toBe(false);
  });
});
