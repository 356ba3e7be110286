import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { usageOf } from './args.ts';

describe('usageOf', () => {
  it('gives the leading doc comment without its markers', () => {
    const source = [
      '/**',
      ' * Measures a thing.',
      ' *',
      ' *   node --import tsx bench/src/thing.ts [--n 3]',
      ' */',
      "import x from 'y';",
      '/** not this one */',
    ].join('\n');
    assert.equal(usageOf(source), 'Measures a thing.\n\n  node --import tsx bench/src/thing.ts [--n 3]\n');
  });

  it('is empty for a file that does not start with one', () => {
    assert.equal(usageOf("import x from 'y';\n/** later */"), '');
  });
});
