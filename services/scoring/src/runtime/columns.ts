import type { ModuleInfo } from './module.ts';
import type { ScoringColumns, ScoringRecord } from './types.ts';

/**
 * Records in the columns a module reads (`inputs` of its ModuleInfo): a value or feature that is
 * absent, null or not a number is NaN, an attr that is absent or null is null.
 */
export function columnsOf(records: readonly ScoringRecord[], inputs: ModuleInfo['inputs']): ScoringColumns {
  const n = records.length;
  const { values, features, attrs } = inputs;
  const width = values.length + features.length;
  const numbers = new Float64Array(n * width);
  const entities: string[] = new Array(n);
  const attrCells: (string | null)[] = new Array(n * attrs.length);
  for (let i = 0; i < n; i++) {
    const record = records[i] as ScoringRecord;
    entities[i] = record.entity;
    let at = i * width;
    for (const name of values) numbers[at++] = numberOr(record.values[name]);
    for (const name of features) numbers[at++] = numberOr(record.features?.[name]);
    for (let a = 0; a < attrs.length; a++) attrCells[i * attrs.length + a] = record.attrs?.[attrs[a] as string] ?? null;
  }
  return { n, entities, numbers, attrs: attrCells };
}

function numberOr(value: number | null | undefined): number {
  return typeof value === 'number' ? value : Number.NaN;
}
