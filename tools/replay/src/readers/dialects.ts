import type { GroundTruth } from '../types.ts';

/**
 * How one delimited file maps onto the input record. The three readers of the
 * brief (SKAB, Microsoft cloud monitoring, plain CSV) are dialects of one
 * reader: they differ only in delimiter, time column, label columns and source.
 */
export interface Dialect {
  /** `source` of every record: `skab`, `ms-cloud-monitoring` or `csv`. */
  source: string;
  delimiter: string;
  /** Header names as written in the file. */
  columns: readonly string[];
  tsColumn: string;
  /** Column whose 1/true marks an anomalous row. */
  anomalyColumn?: string;
  changepointColumn?: string;
  /** Column naming the anomaly kind (files written by `--csv-dir`). */
  kindColumn?: string;
  /** Every label column: never copied into `values` or `attrs`. */
  labelColumns: ReadonlySet<string>;
  /** Ground truth of rows in a file without label columns that is known to be normal. */
  defaultLabel?: GroundTruth;
}

export const SOURCES = { skab: 'skab', msCloudMonitoring: 'ms-cloud-monitoring', csv: 'csv' } as const;

const DELIMITERS = [',', ';', '\t', '|'] as const;
/** Time-column names tried, in order, when `--ts-column` is not given. */
export const TS_COLUMN_CANDIDATES = ['ts', 'timestamp', 'time', 'datetime', 'date', '@timestamp'] as const;
const ANOMALY_COLUMNS = ['anomaly', 'label', 'is_anomaly'] as const;
const CHANGEPOINT_COLUMNS = ['changepoint'] as const;
const KIND_COLUMNS = ['kind', 'anomaly_kind'] as const;

/** The delimiter that occurs most often in the header line (`,` on a tie or none). */
export function detectDelimiter(headerLine: string): string {
  let best: string = ',';
  let bestCount = 0;
  for (const candidate of DELIMITERS) {
    const count = headerLine.split(candidate).length - 1;
    if (count > bestCount) {
      best = candidate;
      bestCount = count;
    }
  }
  return best;
}

function findColumn(columns: readonly string[], names: readonly string[]): string | undefined {
  for (const name of names) {
    const found = columns.find((c) => c.toLowerCase() === name);
    if (found !== undefined) return found;
  }
  return undefined;
}

export interface DialectHints {
  /** Time column to use instead of the detected one. */
  tsColumn?: string;
}

export type DialectResult = { ok: true; dialect: Dialect } | { ok: false; message: string };

/**
 * Recognises the file from its header: SKAB (`;`, `datetime` first, SKAB's
 * sensor names), Microsoft cloud monitoring (exactly TimeStamp, Value, Label),
 * or plain CSV with a time column found by name.
 */
export function detectDialect(delimiter: string, columns: readonly string[], hints: DialectHints = {}): DialectResult {
  const lower = columns.map((c) => c.toLowerCase());
  const pick = (tsColumn: string | undefined): string | undefined => hints.tsColumn ?? tsColumn;

  if (delimiter === ';' && lower[0] === 'datetime' && lower.includes('accelerometer1rms')) {
    const anomalyColumn = findColumn(columns, ['anomaly']);
    const changepointColumn = findColumn(columns, CHANGEPOINT_COLUMNS);
    return withTsColumn(pick('datetime'), columns, {
      source: SOURCES.skab,
      delimiter,
      columns,
      anomalyColumn,
      changepointColumn,
      labelColumns: new Set([anomalyColumn, changepointColumn].filter((c) => c !== undefined)),
      // SKAB's anomaly-free file has no label columns because every row is normal.
      defaultLabel: anomalyColumn === undefined ? { anomaly: false, changepoint: false } : undefined,
    });
  }

  if (lower.length === 3 && lower[0] === 'timestamp' && lower[1] === 'value' && lower[2] === 'label') {
    return withTsColumn(pick(columns[0]), columns, {
      source: SOURCES.msCloudMonitoring,
      delimiter,
      columns,
      anomalyColumn: columns[2],
      labelColumns: new Set([columns[2] as string]),
    });
  }

  const anomalyColumn = findColumn(columns, ANOMALY_COLUMNS);
  const changepointColumn = findColumn(columns, CHANGEPOINT_COLUMNS);
  const kindColumn = findColumn(columns, KIND_COLUMNS);
  return withTsColumn(pick(findColumn(columns, TS_COLUMN_CANDIDATES)), columns, {
    source: SOURCES.csv,
    delimiter,
    columns,
    anomalyColumn,
    changepointColumn,
    kindColumn,
    labelColumns: new Set([anomalyColumn, changepointColumn, kindColumn].filter((c) => c !== undefined)),
  });
}

function withTsColumn(
  tsColumn: string | undefined,
  columns: readonly string[],
  rest: Omit<Dialect, 'tsColumn'>,
): DialectResult {
  if (tsColumn === undefined) {
    return {
      ok: false,
      message: `no time column among [${columns.join(', ')}]; expected one of ${TS_COLUMN_CANDIDATES.join(', ')} or pass --ts-column`,
    };
  }
  if (!columns.includes(tsColumn)) {
    return { ok: false, message: `time column "${tsColumn}" is not among [${columns.join(', ')}]` };
  }
  if (rest.labelColumns.has(tsColumn)) {
    return { ok: false, message: `time column "${tsColumn}" is also a label column` };
  }
  return { ok: true, dialect: { ...rest, tsColumn } };
}
