// .dockerignore as Docker reads it (moby's patternmatcher, the parts this repository uses): patterns relative to
// the context root, `*` and `?` within one path segment, `**` across any number of them, `!` to let a path back
// in; the last pattern that matches a path or one of its parent directories decides.

interface Pattern {
  readonly regex: RegExp;
  readonly exclude: boolean;
}

function toRegex(pattern: string): RegExp {
  let source = '';
  for (let i = 0; i < pattern.length; i++) {
    const char = pattern[i] as string;
    if (char === '*' && pattern[i + 1] === '*') {
      // `**/` = zero or more directories; a trailing `**` = anything below.
      const slash = pattern[i + 2] === '/';
      source += slash ? '(?:.*/)?' : '.*';
      i += slash ? 2 : 1;
    } else if (char === '*') source += '[^/]*';
    else if (char === '?') source += '[^/]';
    else source += char.replace(/[.+^${}()|[\]\\]/g, '\\$&');
  }
  return new RegExp(`^${source}$`);
}

export function parseDockerignore(text: string): Pattern[] {
  return text
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line && !line.startsWith('#'))
    .map((line) => {
      const exclude = !line.startsWith('!');
      const path = (exclude ? line : line.slice(1).trim()).replace(/^\/+/, '').replace(/^\.\//, '').replace(/\/+$/, '');
      return { regex: toRegex(path), exclude };
    });
}

/** True when `path` (relative to the context root, `/`-separated) does not reach the build. */
export function isIgnored(patterns: readonly Pattern[], path: string): boolean {
  const segments = path.split('/');
  const candidates = segments.map((_, index) => segments.slice(0, index + 1).join('/'));
  let ignored = false;
  for (const pattern of patterns) {
    if (candidates.some((candidate) => pattern.regex.test(candidate))) ignored = pattern.exclude;
  }
  return ignored;
}
