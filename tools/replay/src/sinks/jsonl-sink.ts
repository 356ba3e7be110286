import { toJsonInput } from '../encoding.ts';
import type { LabelledRecord } from '../types.ts';
import type { LineWriter } from './line-writer.ts';
import type { RecordSink } from './types.ts';

/** The JSON input records, one a line, to a file or stdout: a dry run or a fixture without Kafka. */
export class JsonlSink implements RecordSink {
  readonly description: string;
  private readonly writer: LineWriter;

  constructor(writer: LineWriter) {
    this.writer = writer;
    this.description = writer.target === '-' ? 'stdout (jsonl)' : `${writer.target} (jsonl)`;
  }

  async write(batch: readonly LabelledRecord[]): Promise<void> {
    let text = '';
    for (const { record } of batch) text += `${toJsonInput(record)}\n`;
    await this.writer.write(text);
  }

  close(): Promise<void> {
    return this.writer.close();
  }
}
