import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';

const root = join(__dirname, '..', '..', '..');
const readme = readFileSync(join(root, 'README.md'), 'utf8');
const examples = readdirSync(join(__dirname, '..', 'examples')).filter((name) => name.endsWith('.ts'));

/** The ```ts block that follows `<!-- example: tools/readme/examples/<name> -->` in the README. */
function blockFor(path: string): string | undefined {
  const marker = `<!-- example: ${path} -->`;
  const at = readme.indexOf(marker);
  if (at < 0) return undefined;
  const match = /^\s*```ts\n([\s\S]*?)```/.exec(readme.slice(at + marker.length));
  return match?.[1];
}

describe('README examples', () => {
  it.each(examples)('shows examples/%s word for word (the typecheck compiles the file)', (name) => {
    const path = `tools/readme/examples/${name}`;
    expect(blockFor(path)).toBe(readFileSync(join(root, path), 'utf8'));
  });

  it('has no TypeScript block that is not one of the compiled examples', () => {
    const blocks = readme.match(/```ts\n/g) ?? [];
    expect(blocks).toHaveLength(examples.length);
  });
});
