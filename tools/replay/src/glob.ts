/**
 * Entity selection by glob: `*` matches within one path segment, `**` across
 * segments, `?` one character; several patterns separated by commas.
 */
export function globToRegExp(pattern: string): RegExp {
  let source = '';
  for (let i = 0; i < pattern.length; i++) {
    const char = pattern[i] as string;
    if (char === '*') {
      if (pattern[i + 1] === '*') {
        // `**/` also matches zero folders.
        const slash = pattern[i + 2] === '/';
        source += slash ? '(?:.*/)?' : '.*';
        i += slash ? 2 : 1;
      } else {
        source += '[^/]*';
      }
    } else if (char === '?') {
      source += '[^/]';
    } else {
      source += char.replace(/[.+^${}()|[\]\\]/g, '\\$&');
    }
  }
  return new RegExp(`^${source}$`);
}

/** A predicate for a comma-separated list of globs (any may match). */
export function entityMatcher(patterns: string): (entity: string) => boolean {
  const regexps = patterns
    .split(',')
    .map((p) => p.trim())
    .filter((p) => p.length > 0)
    .map(globToRegExp);
  return (entity) => regexps.some((re) => re.test(entity));
}
