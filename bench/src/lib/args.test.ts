import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { describe, it } from 'node:test';
import { positiveInt, usageOf } from './args.ts';

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

describe('positiveInt', () => {
  it('reads a whole number of at least 1', () => {
    assert.equal(positiveInt('thing', 'rounds', '5'), 5);
  });

  it('exits 2 naming the benchmark and the option otherwise', () => {
    const script = `import { positiveInt } from ${JSON.stringify(new URL('./args.ts', import.meta.url).href)}; positiveInt('thing', 'rounds', '0');`;
    const result = spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], {
      encoding: 'utf8',
    });
    assert.equal(result.status, 2);
    assert.equal(result.stderr, 'thing bench: --rounds must be a positive integer, got 0\n');
  });
});
