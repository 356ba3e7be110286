import { once } from 'node:events';
import { createWriteStream } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { dirname } from 'node:path';
import type { Writable } from 'node:stream';

/** Text appended to a file (or stdout for `-`), honouring back-pressure. */
export class LineWriter {
  readonly target: string;
  private readonly stream: Writable;
  private readonly owned: boolean;
  private failure: Error | undefined;

  private constructor(target: string, stream: Writable, owned: boolean) {
    this.target = target;
    this.stream = stream;
    this.owned = owned;
    stream.on('error', (error: Error) => {
      this.failure = error;
    });
  }

  /** Creates the file (and its folder), truncating it; `-` writes to stdout. */
  static async open(target: string): Promise<LineWriter> {
    if (target === '-') return new LineWriter(target, process.stdout, false);
    await mkdir(dirname(target), { recursive: true });
    const stream = createWriteStream(target, { flags: 'w' });
    await once(stream, 'open');
    return new LineWriter(target, stream, true);
  }

  async write(text: string): Promise<void> {
    if (this.failure) throw this.failure;
    if (!this.stream.write(text)) await once(this.stream, 'drain');
  }

  async close(): Promise<void> {
    if (this.failure) throw this.failure;
    if (!this.owned) return;
    this.stream.end();
    await once(this.stream, 'finish');
  }
}
