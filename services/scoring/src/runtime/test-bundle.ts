/**
 * For unit tests: a small rules-only bundle written without the Python kit, so that loading,
 * verification and scoring can be tested without ONNX. Its numbers are worked out by hand.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { sha256 } from './bundle.ts';

export type JsonObject = { [key: string]: unknown };

/** Records of one entity and what the module must make of them (history starts empty). */
export const SELF_TEST_RECORDS = [
  { entity: 'pump-1', ts: 1_000, values: { a: 1, b: 3 }, features: { f: 0 }, attrs: { mode: 'x' } },
  { entity: 'pump-1', ts: 2_000, values: { a: 8, b: 3 }, features: { f: 0 }, attrs: { mode: 'y' } },
  { entity: 'pump-1', ts: 3_000, values: { a: 12 }, features: {}, attrs: {} },
];
// record 0: only mode=x fires (0.3); record 1: a jumps by 7 (0.6); record 2: a > 10 (1) and b is missing (0.8)
export const SELF_TEST_EXPECTED = [
  expected(0.3, [{ signal: 'mode-x', weight: 0.3 }]),
  expected(0.6, [{ signal: 'a-jump', weight: 0.6 }]),
  expected(1, [
    { signal: 'a-high', weight: 1 },
    { signal: 'b-silent', weight: 0.8 },
  ]),
];

function expected(score: number, contributors: { signal: string; weight: number }[]): JsonObject {
  return {
    raw: score,
    calibrated: score,
    verdict: score >= 1 ? 'ANOMALY' : score >= 0.5 ? 'UNSURE' : 'NORMAL',
    missingReason: null,
    elements: [{ name: 'checks', kind: 'rules', raw: score, calibrated: score, missingReason: null }],
    contributors,
  };
}

export function rulesManifest(): JsonObject {
  return {
    format: 'vigil.module/v1',
    module: 'unit-rules',
    description: 'rules over two values, a feature and an attribute',
    createdAt: '2026-01-01T00:00:00Z',
    inputs: { values: ['a', 'b'], features: ['f'], attrs: ['mode'] },
    history: { rows: 1 },
    preprocess: [
      { op: 'diff', items: [{ column: 'a', lag: 1, as: 'a__diff1' }] },
      { op: 'onehot', attr: 'mode', categories: [{ value: 'x', as: 'mode=x' }] },
    ],
    elements: [
      {
        name: 'checks',
        kind: 'rules',
        inputs: ['a', 'a__diff1', 'b', 'mode=x'],
        calibration: { method: 'identity' },
        rules: [
          { name: 'a-high', when: { gt: ['a', 10] }, score: 1 },
          { name: 'a-jump', when: { gt: [{ abs: 'a__diff1' }, 5] }, score: 0.6 },
          { name: 'b-silent', when: { missing: 'b' }, score: 0.8 },
          { name: 'mode-x', when: { eq: ['mode=x', 1] }, score: 0.3 },
        ],
      },
    ],
    combine: { method: 'max', calibration: { method: 'identity' } },
    thresholds: { unsureAbove: 0.5, anomalyAbove: 1 },
    training: { from: '2026-01-01T00:00:00Z', to: '2026-01-02T00:00:00Z', rows: { total: 0 } },
    selfTest: { tolerance: 1e-5, records: SELF_TEST_RECORDS, expected: SELF_TEST_EXPECTED },
  };
}

export const REFERENCE_JSON: JsonObject = {
  format: 'vigil.reference/v1',
  module: 'unit-rules',
  inputs: {
    a: { count: 3, missing: 0, quantiles: { p: [0, 0.5, 1], q: [0, 2, 4] } },
    b: { count: 3, missing: 0, quantiles: { p: [0, 0.5, 1], q: [1, 3, 5] } },
  },
};

/**
 * Writes a bundle into `dir`: `manifest` (default: rulesManifest()) with `files` hashed from
 * `files` (default: reference.json). Returns the manifest written.
 */
export async function writeBundle(
  dir: string,
  manifest: JsonObject = rulesManifest(),
  files: Record<string, Uint8Array | string> = { 'reference.json': JSON.stringify(REFERENCE_JSON) },
): Promise<JsonObject> {
  const hashes: Record<string, string> = {};
  for (const [rel, content] of Object.entries(files)) {
    const data = typeof content === 'string' ? Buffer.from(content) : content;
    await mkdir(join(dir, rel, '..'), { recursive: true });
    await writeFile(join(dir, rel), data);
    hashes[rel] = sha256(data);
  }
  const full = { ...manifest, files: hashes };
  await writeFile(join(dir, 'manifest.json'), JSON.stringify(full));
  return full;
}
