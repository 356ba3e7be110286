/**
 * Test helper: the Scores of a module's batch as the service publishes them,
 * read back with the schema (avsc) from the Score tails the isolate wrote —
 * the bytes production splices, not a second form of the results kept for tests;
 * and hand-written ModuleResults in the runtime's columns, to feed that writer.
 */
import { type Alert, loadSchemas, type Score, type ScoredAlert } from '@vigil/contracts';
import type { ModuleInfo, ScoredBatch } from './module-host.ts';
import { type BatchScores, type ModuleResult, VERDICTS } from './runtime/index.ts';
import { AvroWriter, latencyBytes, scoreHead, writeScoredAlert } from './score-bytes.ts';

const schemas = loadSchemas();
const ALERT: Alert = {
  id: 'test',
  source: 'test',
  entity: 'test',
  ts: 0,
  ingestedAt: 0,
  values: {},
  attrs: {},
  features: {},
  origin: { topic: 't', partition: 0, offset: '0', format: 'AVRO' },
};

export function scoresOf(
  scored: ScoredBatch,
  info: Pick<ModuleInfo, 'module'>,
  by: { model: string; version: string; alias: string } = { model: 'test', version: '1', alias: 'test' },
): Score[] {
  const alertBody = schemas.get('vigil.Alert')?.type.toBuffer(ALERT) as Buffer;
  const scoredAlert = schemas.get('vigil.ScoredAlert')?.type;
  if (!scoredAlert) throw new Error('no vigil.ScoredAlert schema');
  const modules = [{ head: scoreHead({ module: info.module, ...by }), scored, latency: latencyBytes(0) }];
  const w = new AvroWriter();
  return Array.from({ length: scored.n }, (_, row) => {
    w.reset();
    writeScoredAlert(w, alertBody, modules, row, 0);
    // structuredClone: plain objects rather than avsc's record classes, for deepEqual.
    return structuredClone((scoredAlert.fromBuffer(w.toBuffer()) as ScoredAlert).scores[0] as Score);
  });
}

/** ModuleResults (one module: the same elements on every row) in the runtime's columns, NaN = null. */
export function batchScoresOf(results: readonly ModuleResult[]): BatchScores {
  const n = results.length;
  const k = results[0]?.elements.length ?? 0;
  const nan = (x: number | null | undefined) => x ?? Number.NaN;
  const cell = (j: number) => results[Math.floor(j / k)]?.elements[j % k];
  return {
    n,
    raw: Float64Array.from(results, (r) => nan(r.raw)),
    calibrated: Float64Array.from(results, (r) => nan(r.calibrated)),
    verdicts: Uint8Array.from(results, (r) => VERDICTS.indexOf(r.verdict)),
    elementRaw: Float64Array.from({ length: n * k }, (_, j) => nan(cell(j)?.raw)),
    elementCalibrated: Float64Array.from({ length: n * k }, (_, j) => nan(cell(j)?.calibrated)),
    contributors: results.map((r) => r.contributors),
  };
}
