import type { LabelledRecord } from '../types.ts';
import type { LineWriter } from './line-writer.ts';
import type { RecordSink } from './types.ts';

/** One line of `--labels-out`: the ground truth of one sent record, joined to results by `id`. */
export interface LabelLine {
  id: string;
  entity: string;
  /** Event time as sent (after re-timing), epoch ms. */
  ts: number;
  anomaly: boolean;
  /** null when the dataset does not mark change points (Microsoft cloud monitoring). */
  changepoint: boolean | null;
  /** Anomaly kind (generated data), null otherwise. */
  kind: string | null;
}

export function toLabelLine({ record, label }: LabelledRecord): LabelLine | undefined {
  if (label === undefined) return undefined;
  return {
    id: record.id,
    entity: record.entity,
    ts: record.ts,
    anomaly: label.anomaly,
    changepoint: label.changepoint ?? null,
    kind: label.kind ?? null,
  };
}

/** Writes the labels of records after they were sent; unlabelled records are skipped. */
export class LabelsSink implements RecordSink {
  readonly description: string;
  private readonly writer: LineWriter;

  constructor(writer: LineWriter) {
    this.writer = writer;
    this.description = `${writer.target} (labels)`;
  }

  async write(batch: readonly LabelledRecord[]): Promise<void> {
    let text = '';
    for (const item of batch) {
      const line = toLabelLine(item);
      if (line) text += `${JSON.stringify(line)}\n`;
    }
    if (text.length > 0) await this.writer.write(text);
  }

  close(): Promise<void> {
    return this.writer.close();
  }
}
