import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { isVigilError } from '@vigil/errors';
import { checkManifest, parseManifest } from './manifest.ts';
import { type JsonObject, rulesManifest } from './test-bundle.ts';

const withFiles = (m: JsonObject): JsonObject => ({ ...m, files: { 'reference.json': 'a'.repeat(64) } });

/** The problems a VIGIL_BUNDLE_INVALID error lists. */
function problemsOf(fn: () => unknown): string[] {
  try {
    fn();
  } catch (error) {
    assert.ok(isVigilError(error, 'VIGIL_BUNDLE_INVALID'), `expected VIGIL_BUNDLE_INVALID, got ${String(error)}`);
    return error.context.problems as string[];
  }
  assert.fail('expected the manifest to be refused');
}

const check = (m: JsonObject) => checkManifest(parseManifest(withFiles(m)));

describe('parseManifest', () => {
  it('accepts a valid manifest', () => {
    const m = parseManifest(withFiles(rulesManifest()));
    assert.equal(m.module, 'unit-rules');
    assert.equal(m.elements[0]?.kind, 'rules');
  });

  it('refuses an unknown or absent format with VIGIL_BUNDLE_FORMAT', () => {
    for (const format of ['vigil.module/v2', undefined]) {
      assert.throws(() => parseManifest(withFiles({ ...rulesManifest(), format })), { code: 'VIGIL_BUNDLE_FORMAT' });
    }
    assert.throws(() => parseManifest([1, 2]), { code: 'VIGIL_BUNDLE_FORMAT' });
  });

  it('lists every schema problem at once, with its path', () => {
    const m = rulesManifest();
    const problems = problemsOf(() =>
      parseManifest({
        ...withFiles(m),
        module: '-bad name',
        extra: 1,
        thresholds: { unsureAbove: 0.5, anomalyAbove: 2 },
        history: { rows: -1 },
        preprocess: [
          { op: 'scale', params: { a: { mean: 0, std: 0 } } },
          { op: 'sqrt', columns: ['a'] },
        ],
        elements: [{ ...(m.elements as JsonObject[])[0], kind: 'neural_net' }],
      }),
    );
    const joined = problems.join('\n');
    for (const where of [
      '(root): Unrecognized key: "extra"',
      'module:',
      'thresholds.anomalyAbove',
      'history.rows',
      'preprocess.0.params.a.std',
      'preprocess.1.op',
      'elements.0.kind',
    ]) {
      assert.ok(joined.includes(where), `a problem at ${where} in:\n${joined}`);
    }
  });

  it('refuses unknown fields inside elements and steps (strict objects)', () => {
    const m = rulesManifest();
    const element = { ...(m.elements as JsonObject[])[0], onnx: { path: 'elements/x.onnx' } };
    const problems = problemsOf(() => parseManifest(withFiles({ ...m, elements: [element] })));
    assert.deepEqual(problems, ['elements.0: Unrecognized key: "onnx"']);
  });
});

describe('checkManifest', () => {
  it('computes the final row columns', () => {
    assert.deepEqual(check(rulesManifest()).columns, ['a', 'b', 'f', 'a__diff1', 'mode=x']);
  });

  it('lists every semantic problem at once', () => {
    const m = rulesManifest();
    const element = (m.elements as JsonObject[])[0] as JsonObject;
    const problems = problemsOf(() =>
      check({
        ...m,
        inputs: { values: ['a', 'b'], features: ['b', 'f'], attrs: [] },
        history: { rows: 2 },
        preprocess: [
          { op: 'diff', items: [{ column: 'a__x', lag: 1, as: 'a__diff1' }] },
          {
            op: 'onehot',
            attr: 'mode',
            categories: [
              { value: 'x', as: 'mode=x' },
              { value: 'y', as: 'b' },
            ],
          },
          { op: 'impute', values: { nope: 1 } },
        ],
        elements: [
          { ...element, inputs: ['a', 'ghost'] },
          { ...element, calibration: { method: 'ecdf', knots: [0, 2, 1] } },
        ],
        combine: { method: 'weighted_mean', weights: { checks: 1, other: 2 }, calibration: { method: 'identity' } },
        thresholds: { unsureAbove: 0.9, anomalyAbove: 0.5 },
      }),
    );
    assert.deepEqual(problems, [
      'input values and features must have distinct names',
      'preprocess[0] (diff): unknown input columns a__x',
      'preprocess[1]: onehot of undeclared attr mode',
      'preprocess[1]: columns already exist b',
      'preprocess[2] (impute): unknown columns nope',
      'history.rows must be 1 (the largest lag/diff)',
      'element names must be unique',
      'element checks: unknown input columns ghost',
      'element checks: calibration knots must be non-decreasing',
      'combine.weights must give one weight per element',
      'thresholds must satisfy 0 <= unsureAbove < anomalyAbove <= 1',
    ]);
  });

  it('type-checks rules expressions and refuses unknown operators', () => {
    const m = rulesManifest();
    const element = (m.elements as JsonObject[])[0] as JsonObject;
    const rules = [
      { name: 'evil', when: { eval: ['a'] }, score: 1 },
      { name: 'numeric', when: { add: ['a', 1] }, score: 1 },
      { name: 'ghost', when: { gt: ['nope', 1] }, score: 1 },
    ];
    const problems = problemsOf(() => check({ ...m, elements: [{ ...element, rules }] }));
    assert.deepEqual(problems, [
      'element checks: rule evil: unknown operator "eval"',
      'element checks: rule numeric: `when` must be a boolean expression',
      'element checks: rule ghost: unknown column "nope"',
    ]);
  });

  it('refuses files outside the bundle and a bundle without reference.json', () => {
    const problems = problemsOf(() =>
      checkManifest(parseManifest({ ...rulesManifest(), files: { '/etc/passwd': 'a'.repeat(64) } })),
    );
    assert.deepEqual(problems, ['files: /etc/passwd is not a safe relative path', 'files must list reference.json']);
  });
});
