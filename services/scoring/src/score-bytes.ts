import { loadSchemas, type Score, type Verdict } from '@vigil/contracts';
import type { ModuleInfo, ScoredBatch } from './module-host.ts';
import { type BatchScores, MissingReason, VERDICTS } from './runtime/index.ts';

/**
 * Writes `vigil.ScoredAlert` bytes in pieces, so that the expensive part — one
 * Score per record and module — is written in the module's isolate, in
 * parallel, and the service thread only splices bytes together. The encoding
 * is Avro's binary encoding, byte for byte what avsc writes for the same value
 * (`score-bytes.test.ts` checks it against the schema): longs and ints as
 * zig-zag varints, doubles as 8 bytes little-endian, strings as a length and
 * UTF-8, unions as the branch index then the value, enums as the symbol index,
 * arrays as one block (count, items) then 0.
 *
 * A Score is written as three parts: the *head* (module, model, version,
 * alias: the same for a module's whole batch), the *tail* (raw … contributors:
 * per record, from the runtime's result) and `latencyMs` (per batch).
 */
export class AvroWriter {
  private buffer: Buffer;
  private position = 0;
  private readonly recurring = new Map<string, Buffer>();

  constructor(capacity = 4_096) {
    this.buffer = Buffer.allocUnsafe(capacity);
  }

  get length(): number {
    return this.position;
  }

  reset(): void {
    this.position = 0;
  }

  /** A copy of what was written since the last reset. */
  toBuffer(): Buffer {
    return Buffer.from(this.buffer.subarray(0, this.position));
  }

  /** The bytes written from `start` on, copied into `target` at `at`; returns the end in `target`. */
  copyTo(target: Uint8Array, at: number, start = 0): number {
    return at + this.buffer.copy(target, at, start, this.position);
  }

  long(value: number): void {
    this.ensure(10);
    // Zig-zag without 32-bit operators: values up to 2^53 (epoch milliseconds) stay exact.
    let n = value >= 0 ? value * 2 : -value * 2 - 1;
    while (n >= 0x80) {
      this.buffer[this.position++] = (n % 0x80) | 0x80;
      n = Math.floor(n / 0x80);
    }
    this.buffer[this.position++] = n;
  }

  double(value: number): void {
    this.ensure(8);
    this.position = this.buffer.writeDoubleLE(value, this.position);
  }

  string(value: string): void {
    const length = Buffer.byteLength(value);
    this.long(length);
    this.ensure(length);
    this.position += this.buffer.write(value, this.position, length, 'utf8');
  }

  /**
   * A string that recurs on every record (element names and kinds, signal
   * names, reasons): its encoding is kept and copied, which costs a fraction
   * of encoding it again. The cache is bounded; past it, strings are encoded.
   */
  recurringString(value: string): void {
    let bytes = this.recurring.get(value);
    if (!bytes) {
      if (this.recurring.size >= 4_096) {
        this.string(value);
        return;
      }
      const w = new AvroWriter(value.length * 3 + 10);
      w.string(value);
      bytes = w.toBuffer();
      this.recurring.set(value, bytes);
    }
    this.raw(bytes);
  }

  raw(bytes: Uint8Array): void {
    this.ensure(bytes.length);
    this.buffer.set(bytes, this.position);
    this.position += bytes.length;
  }

  /** Union `["null", "double"]`. */
  nullableDouble(value: number | null): void {
    if (value === null) this.long(0);
    else {
      this.long(1);
      this.double(value);
    }
  }

  /** Union `["null", "string"]`, for recurring strings. */
  nullableString(value: string | null): void {
    if (value === null) this.long(0);
    else {
      this.long(1);
      this.recurringString(value);
    }
  }

  private ensure(bytes: number): void {
    if (this.position + bytes <= this.buffer.length) return;
    const grown = Buffer.allocUnsafe(Math.max(this.buffer.length * 2, this.position + bytes));
    this.buffer.copy(grown, 0, 0, this.position);
    this.buffer = grown;
  }
}

/** The Verdict enum's symbol indices, read from schemas/scored-alert.avsc (never assumed). */
export function verdictIndices(): Readonly<Record<Verdict, number>> {
  const scored = loadSchemas().get('vigil.ScoredAlert')?.definition as {
    fields: { name: string; type: { items?: { fields: { name: string; type: { symbols?: string[] } }[] } } }[];
  };
  const score = scored.fields.find((f) => f.name === 'scores')?.type.items;
  const symbols = score?.fields.find((f) => f.name === 'verdict')?.type.symbols;
  if (!symbols) throw new Error('schemas/scored-alert.avsc has no Score.verdict enum');
  return Object.fromEntries(symbols.map((s, i) => [s, i])) as Record<Verdict, number>;
}

/** The per-record part of a Score: raw, calibrated, verdict, missingReason, thresholds, elements, contributors. */
export type ScoreTail = Pick<
  Score,
  'raw' | 'calibrated' | 'verdict' | 'missingReason' | 'thresholds' | 'elements' | 'contributors'
>;

export function writeScoreTail(w: AvroWriter, r: ScoreTail, verdicts: Readonly<Record<Verdict, number>>): void {
  w.nullableDouble(r.raw);
  w.nullableDouble(r.calibrated);
  w.long(verdicts[r.verdict]);
  w.nullableString(r.missingReason);
  w.double(r.thresholds.unsureAbove);
  w.double(r.thresholds.anomalyAbove);
  if (r.elements.length > 0) {
    w.long(r.elements.length);
    for (const e of r.elements) {
      w.recurringString(e.name);
      w.recurringString(e.kind);
      w.nullableDouble(e.raw);
      w.nullableDouble(e.calibrated);
    }
  }
  w.long(0);
  if (r.contributors.length > 0) {
    w.long(r.contributors.length);
    for (const c of r.contributors) {
      w.recurringString(c.signal);
      w.double(c.weight);
    }
  }
  w.long(0);
}

const orNull = (x: number): number | null => (Number.isNaN(x) ? null : x);

/**
 * The Score tail of every record of a batch, from the module's columns (in the
 * isolate): one view of a row, refilled row after row, so no object is built per record.
 */
export function writeScoreTails(
  scores: BatchScores,
  info: Pick<ModuleInfo, 'thresholds' | 'elements'>,
  verdicts: Readonly<Record<Verdict, number>>,
): { tails: Uint8Array; tailEnds: Uint32Array } {
  const { n } = scores;
  const k = info.elements.length;
  const w = new AvroWriter(n * 128);
  const tailEnds = new Uint32Array(n);
  const elements = info.elements.map(({ name, kind }) => ({
    name,
    kind,
    raw: null as number | null,
    calibrated: null as number | null,
  }));
  const row: { -readonly [F in keyof ScoreTail]: ScoreTail[F] } = {
    raw: null,
    calibrated: null,
    verdict: 'MISSING',
    missingReason: null,
    thresholds: info.thresholds,
    elements,
    contributors: [],
  };
  for (let i = 0; i < n; i++) {
    const calibrated = scores.calibrated[i] as number;
    row.raw = orNull(scores.raw[i] as number);
    row.calibrated = orNull(calibrated);
    row.verdict = VERDICTS[scores.verdicts[i] as number] as Verdict;
    row.missingReason = Number.isNaN(calibrated) ? MissingReason.NO_ELEMENT_SCORE : null;
    for (let e = 0; e < k; e++) {
      const element = elements[e] as (typeof elements)[number];
      element.raw = orNull(scores.elementRaw[i * k + e] as number);
      element.calibrated = orNull(scores.elementCalibrated[i * k + e] as number);
    }
    row.contributors = scores.contributors[i] as ScoreTail['contributors'];
    writeScoreTail(w, row, verdicts);
    tailEnds[i] = w.length;
  }
  const tails = new Uint8Array(w.length);
  w.copyTo(tails, 0);
  return { tails, tailEnds };
}

/** The head of a module's Scores in a batch: module, model, version, alias. */
export function scoreHead(score: Pick<Score, 'module' | 'model' | 'version' | 'alias'>): Buffer {
  const w = new AvroWriter(256);
  w.string(score.module);
  w.string(score.model);
  w.string(score.version);
  w.string(score.alias);
  return w.toBuffer();
}

/** A whole Score (head, tail, latency): for MISSING scores, written once per module and batch. */
export function scoreBytes(score: Score, verdicts: Readonly<Record<Verdict, number>>): Buffer {
  const w = new AvroWriter(512);
  w.raw(scoreHead(score));
  writeScoreTail(w, score, verdicts);
  w.double(score.latencyMs);
  return w.toBuffer();
}

/** A module's Scores for a batch as Avro pieces: per-record tails from the isolate, or one whole Score for every record. */
export type ModuleBytes =
  | { whole: Buffer; head?: undefined; scored?: undefined; latency?: undefined }
  | { whole?: undefined; head: Buffer; scored: ScoredBatch; latency: Buffer };

/** The `latencyMs` field's bytes. */
export function latencyBytes(latencyMs: number): Buffer {
  const b = Buffer.alloc(8);
  b.writeDoubleLE(latencyMs);
  return b;
}

/**
 * `vigil.ScoredAlert` of record `row`: the alert's encoding, the scores (one
 * array block, one Score per module in order), then `scoredAt` — a record's
 * encoding is its fields' encodings one after the other.
 */
export function writeScoredAlert(
  w: AvroWriter,
  alertBody: Uint8Array,
  modules: readonly ModuleBytes[],
  row: number,
  scoredAt: number,
): void {
  w.raw(alertBody);
  if (modules.length > 0) {
    w.long(modules.length);
    for (const m of modules) {
      if (m.whole) w.raw(m.whole);
      else {
        w.raw(m.head);
        w.raw(m.scored.tails.subarray(row === 0 ? 0 : m.scored.tailEnds[row - 1], m.scored.tailEnds[row]));
        w.raw(m.latency);
      }
    }
  }
  w.long(0);
  w.long(scoredAt);
}
