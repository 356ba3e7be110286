/**
 * Entity selection by glob: `*` matches within one path segment, `**` as a whole segment
 * matches any number of segments (none too, before a slash), `?` one character; several
 * patterns separated by commas. Matching is picomatch's; every other character is literal.
 */
import picomatch from 'picomatch';

const OPTIONS: picomatch.PicomatchOptions = {
  // Entities are dataset paths: a leading dot is an ordinary character.
  dot: true,
  nobrace: true,
  noextglob: true,
  nonegate: true,
  strictSlashes: true,
};

// What picomatch would read as brackets, groups, braces, negation or extglobs stays literal.
const LITERAL = /[()|[\]{}!@+\\]/g;

export function globToRegExp(pattern: string): RegExp {
  return picomatch.makeRe(pattern.replace(LITERAL, '\\$&'), OPTIONS);
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
