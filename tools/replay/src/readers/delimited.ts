import { createReadStream } from 'node:fs';
import { open } from 'node:fs/promises';
import { VigilError } from '@vigil/errors';
import { parse } from 'csv-parse';
import { parse as parseSync } from 'csv-parse/sync';
import type { GroundTruth, LabelledRecord } from '../types.ts';
import { type Dialect, type DialectHints, detectDelimiter, detectDialect } from './dialects.ts';
import { parseTimestamp } from './timestamps.ts';

export interface ReadOptions extends DialectHints {
  /** Entity of every record of the file; ids are `${entity}#${rowIndex}`. */
  entity: string;
}

export interface DelimitedFile {
  path: string;
  dialect: Dialect;
  /** Streams the data rows; each call reads the file again from the start. */
  records(): AsyncIterable<LabelledRecord>;
}

/** Cells that mean "no reading" in a value column. */
const MISSING = new Set(['', 'nan', 'null', 'na', 'n/a', 'none']);
const HEADER_BYTES = 64 * 1024;

function badInput(path: string, message: string, cause?: unknown): VigilError {
  return new VigilError('VIGIL_REPLAY_BAD_INPUT', `${path}: ${message}`, { cause, path });
}

async function readHeaderLine(path: string): Promise<string> {
  const handle = await open(path, 'r').catch((error: unknown) => {
    throw badInput(path, `cannot open (${(error as Error).message})`, error);
  });
  try {
    const buffer = Buffer.alloc(HEADER_BYTES);
    const { bytesRead } = await handle.read(buffer, 0, HEADER_BYTES, 0);
    const text = buffer
      .subarray(0, bytesRead)
      .toString('utf8')
      .replace(/^\uFEFF/, '');
    const end = text.indexOf('\n');
    if (end < 0 && bytesRead === HEADER_BYTES) throw badInput(path, `no line break in the first ${HEADER_BYTES} bytes`);
    const line = (end < 0 ? text : text.slice(0, end)).replace(/\r$/, '');
    if (line.trim().length === 0) throw badInput(path, 'empty file or empty header line');
    return line;
  } finally {
    await handle.close();
  }
}

function parseFlag(path: string, row: number, column: string, cell: string): boolean {
  const text = cell.toLowerCase();
  if (text === '' || text === 'false' || text === 'no') return false;
  if (text === 'true' || text === 'yes') return true;
  const n = Number(text);
  if (Number.isFinite(n)) return n !== 0;
  throw badInput(path, `data row ${row}: label column ${column} holds "${cell}", expected 0/1 or true/false`);
}

type Role = 'unknown' | 'value' | 'attr';
interface DataColumn {
  index: number;
  name: string;
  /** Decided by the column's first non-missing cell: numeric → value, otherwise attr. */
  role: Role;
}

/** Reads the header, recognises the dialect and returns a re-readable record stream. */
export async function openDelimited(path: string, options: ReadOptions): Promise<DelimitedFile> {
  const headerLine = await readHeaderLine(path);
  const delimiter = detectDelimiter(headerLine);
  const columns = (parseSync(headerLine, { delimiter, trim: true }) as string[][])[0] ?? [];
  const detected = detectDialect(delimiter, columns, options);
  if (!detected.ok) throw badInput(path, detected.message);
  const { dialect } = detected;
  return { path, dialect, records: () => streamRows(path, dialect, options.entity) };
}

/** A file's records: the pure reader of the brief. */
export async function* readDelimited(path: string, options: ReadOptions): AsyncGenerator<LabelledRecord> {
  const file = await openDelimited(path, options);
  yield* file.records();
}

async function* streamRows(path: string, dialect: Dialect, entity: string): AsyncGenerator<LabelledRecord> {
  const { columns, source } = dialect;
  const tsIndex = columns.indexOf(dialect.tsColumn);
  const indexOf = (name: string | undefined): number => (name === undefined ? -1 : columns.indexOf(name));
  const anomalyIndex = indexOf(dialect.anomalyColumn);
  const changepointIndex = indexOf(dialect.changepointColumn);
  const kindIndex = indexOf(dialect.kindColumn);
  const data: DataColumn[] = columns
    .map((name, index) => ({ index, name, role: 'unknown' as Role }))
    .filter((c) => c.index !== tsIndex && !dialect.labelColumns.has(c.name));

  const parser = parse({ delimiter: dialect.delimiter, bom: true, from_line: 2, skip_empty_lines: true, trim: true });
  const input = createReadStream(path);
  input.on('error', (error) => parser.destroy(error));
  input.pipe(parser);

  let row = 0;
  try {
    for await (const cells of parser as AsyncIterable<string[]>) {
      if (cells.length !== columns.length) {
        throw badInput(path, `data row ${row} has ${cells.length} cells, the header has ${columns.length}`);
      }
      const tsCell = cells[tsIndex] ?? '';
      const ts = parseTimestamp(tsCell);
      if (ts === undefined) {
        throw badInput(path, `data row ${row}: "${tsCell}" in column ${dialect.tsColumn} is not a timestamp`);
      }
      const values: Record<string, number> = {};
      const attrs: Record<string, string> = {};
      for (const column of data) {
        const cell = cells[column.index] ?? '';
        if (MISSING.has(cell.toLowerCase())) continue;
        if (column.role === 'unknown') column.role = Number.isFinite(Number(cell)) ? 'value' : 'attr';
        if (column.role === 'attr') {
          attrs[column.name] = cell;
        } else {
          const n = Number(cell);
          // A non-numeric cell in a numeric column is a missing reading, not a new kind of column.
          if (Number.isFinite(n)) values[column.name] = n;
        }
      }
      let label: GroundTruth | undefined = dialect.defaultLabel && { ...dialect.defaultLabel };
      if (anomalyIndex >= 0) {
        label = { anomaly: parseFlag(path, row, columns[anomalyIndex] as string, cells[anomalyIndex] ?? '') };
        if (changepointIndex >= 0) {
          label.changepoint = parseFlag(path, row, columns[changepointIndex] as string, cells[changepointIndex] ?? '');
        }
        const kind = kindIndex >= 0 ? cells[kindIndex] : undefined;
        if (kind) label.kind = kind;
      }
      const record = { id: `${entity}#${row}`, source, entity, ts, values, attrs };
      yield label === undefined ? { record } : { record, label };
      row++;
    }
  } catch (error) {
    if (error instanceof VigilError) throw error;
    throw badInput(path, `data row ${row}: ${(error as Error).message}`, error);
  } finally {
    input.destroy();
  }
}
