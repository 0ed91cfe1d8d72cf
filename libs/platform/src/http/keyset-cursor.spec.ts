import { createHash } from 'node:crypto';
import { decodeKeysetCursor, encodeKeysetCursor, keysetCursorProblem } from './keyset-cursor';

const position = { at: '2025-11-24T10:15:30.123456Z', id: '0b5c3f4e-8a1d-4c2b-9e7f-1a2b3c4d5e6f' };
const cursor = encodeKeysetCursor(position);
// A cursor forged with a valid check, so that what is refused is the payload itself.
const forge = (payload: string | Buffer) => {
  const bytes = Buffer.from(payload);
  const check = createHash('sha256').update(bytes).digest().subarray(0, 6);
  return Buffer.concat([bytes, check]).toString('base64url');
};
const unchecked = (payload: string) => Buffer.from(payload, 'utf8').toString('base64url');

/** The payload of `other` with the check of `cursor`: what editing the id inside a cursor comes to. */
function swapCheck(other: string): string {
  const [mine, theirs] = [Buffer.from(cursor, 'base64url'), Buffer.from(other, 'base64url')];
  return Buffer.concat([theirs.subarray(0, -6), mine.subarray(-6)]).toString('base64url');
}

describe('keyset cursor', () => {
  it('is opaque base64url that decodes to the position it was made from', () => {
    expect(cursor).toMatch(/^[A-Za-z0-9_-]+$/);
    expect(cursor).not.toContain(position.id);
    expect(decodeKeysetCursor(cursor)).toEqual(position);
  });

  it('is what forge() makes of the same payload, so the payloads refused below are refused for themselves', () => {
    expect(forge(`${position.at}/${position.id}`)).toBe(cursor);
  });

  it('refuses every edit of a single character', () => {
    for (let index = 0; index < cursor.length; index++) {
      const edited = cursor.slice(0, index) + (cursor[index] === 'x' ? 'y' : 'x') + cursor.slice(index + 1);
      expect({ index, decoded: decodeKeysetCursor(edited) }).toEqual({ index, decoded: undefined });
    }
  });

  it('keeps the microseconds, which tell rows of one millisecond apart', () => {
    const later = { ...position, at: '2025-11-24T10:15:30.123457Z' };
    expect(encodeKeysetCursor(later)).not.toBe(cursor);
    expect(decodeKeysetCursor(encodeKeysetCursor(later))?.at).toBe(later.at);
  });

  it.each<[string, string]>([
    ['an empty string', ''],
    ['a character outside base64url', `${cursor.slice(0, -1)}+`],
    ['padding', `${cursor}==`],
    ['a character dropped', cursor.slice(0, -1)],
    ['a character added', `${cursor}A`],
    ['the last character changed', `${cursor.slice(0, -1)}${cursor.endsWith('A') ? 'B' : 'A'}`],
    ['a long string', 'A'.repeat(10_000)],
    ['a plain id', position.id],
    ['a payload without the id', forge(position.at)],
    ['a payload with a third part', forge(`${position.at}/${position.id}/x`)],
    ['milliseconds only', forge(`2025-11-24T10:15:30.123Z/${position.id}`)],
    ['a time zone offset', forge(`2025-11-24T10:15:30.123456+01:00/${position.id}`)],
    ['30 February', forge(`2025-02-30T00:00:00.000000Z/${position.id}`)],
    ['29 February of a common year', forge(`2025-02-29T00:00:00.000000Z/${position.id}`)],
    ['hour 24', forge(`2025-11-24T24:00:00.000000Z/${position.id}`)],
    ['a leap second', forge(`2016-12-31T23:59:60.000000Z/${position.id}`)],
    ['year 0000, which PostgreSQL refuses', forge(`0000-01-01T00:00:00.000000Z/${position.id}`)],
    ['an id that is not a UUID', forge(`${position.at}/42`)],
    ['an upper-case id', forge(`${position.at}/${position.id.toUpperCase()}`)],
    ['SQL in the id', forge(`${position.at}/' OR 1=1 --`)],
    ['a NUL', forge(`${position.at}/${position.id}\u0000`)],
    ['invalid UTF-8', forge(Buffer.from([0xff, 0xfe, 0x2f]))],
    ['a valid position without its check', unchecked(`${position.at}/${position.id}`)],
    ['another valid position under this check', swapCheck(forge(`${position.at}/${position.id.replace(/f$/, 'e')}`))],
  ])('refuses %s', (_case, tampered) => {
    expect(decodeKeysetCursor(tampered)).toBeUndefined();
    expect(keysetCursorProblem(tampered)).toBe('must be the nextCursor of an earlier page, unchanged');
  });

  it('takes 29 February of a leap year and the first year PostgreSQL has', () => {
    for (const at of ['2024-02-29T23:59:59.999999Z', '0001-01-01T00:00:00.000000Z']) {
      expect(decodeKeysetCursor(encodeKeysetCursor({ ...position, at }))).toEqual({ ...position, at });
    }
  });

  it('names each problem of a query parameter once, and accepts it absent', () => {
    expect(keysetCursorProblem(undefined)).toBeUndefined();
    expect(keysetCursorProblem(cursor)).toBeUndefined();
    expect(keysetCursorProblem([cursor, cursor])).toBe('must be given once');
    for (const value of [null, 42, { $gt: '' }]) {
      expect(keysetCursorProblem(value)).toBe('must be the nextCursor of an earlier page, unchanged');
    }
  });
});
