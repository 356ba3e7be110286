import { join } from 'node:path';
import { VigilError } from '@vigil/errors';
import type { LabelledRecord } from '../types.ts';
import { LineWriter } from './line-writer.ts';
import type { RecordSink } from './types.ts';

const LABEL_COLUMNS = ['anomaly', 'changepoint', 'kind'] as const;

function cell(text: string): string {
  return /[",\n\r]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
}

interface EntityFile {
  writer: LineWriter;
  signals: readonly string[];
  attrs: readonly string[];
}

/**
 * One plain CSV per entity (`<dir>/<entity>.csv`): `ts` (RFC 3339), the
 * signals, the attrs, then `anomaly`, `changepoint`, `kind`. The CSV reader
 * reads it back with the labels beside the values, so generated data can feed
 * tools that take a CSV path (the science kit). Columns come from each
 * entity's first record; a later record with another signal is an error.
 */
export class CsvDirSink implements RecordSink {
  readonly description: string;
  private readonly dir: string;
  private readonly files = new Map<string, EntityFile>();

  constructor(dir: string) {
    this.dir = dir;
    this.description = `${dir}/ (csv per entity)`;
  }

  async write(batch: readonly LabelledRecord[]): Promise<void> {
    for (const { record, label } of batch) {
      let file = this.files.get(record.entity);
      if (!file) {
        file = {
          writer: await LineWriter.open(join(this.dir, `${record.entity}.csv`)),
          signals: Object.keys(record.values),
          attrs: Object.keys(record.attrs),
        };
        this.files.set(record.entity, file);
        await file.writer.write(`${['ts', ...file.signals, ...file.attrs, ...LABEL_COLUMNS].map(cell).join(',')}\n`);
      }
      for (const name of Object.keys(record.values)) {
        if (!file.signals.includes(name)) {
          throw new VigilError(
            'VIGIL_REPLAY_BAD_INPUT',
            `record ${record.id} has signal ${name}, not in its CSV header`,
            {
              id: record.id,
            },
          );
        }
      }
      const cells = [
        new Date(record.ts).toISOString(),
        ...file.signals.map((s) => (record.values[s] === undefined ? '' : String(record.values[s]))),
        ...file.attrs.map((a) => cell(record.attrs[a] ?? '')),
        label === undefined ? '' : label.anomaly ? '1' : '0',
        label?.changepoint === undefined ? '' : label.changepoint ? '1' : '0',
        cell(label?.kind ?? ''),
      ];
      await file.writer.write(`${cells.join(',')}\n`);
    }
  }

  async close(): Promise<void> {
    const results = await Promise.allSettled([...this.files.values()].map((f) => f.writer.close()));
    const failed = results.find((r) => r.status === 'rejected');
    if (failed) throw failed.reason;
  }
}
