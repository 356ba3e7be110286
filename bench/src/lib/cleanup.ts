/**
 * What a benchmark created (topics, groups, subjects, Redis keys, processes),
 * undone in reverse order. Every step runs even when an earlier one fails, so a
 * failed run still leaves the shared stack as it found it.
 */
export class Cleanup {
  private readonly steps: { what: string; run: () => Promise<unknown> }[] = [];
  private running: Promise<void> | undefined;

  add(what: string, run: () => Promise<unknown>): void {
    this.steps.push({ what, run });
  }

  /** Runs every step once, newest first; reports (never throws) the ones that failed. */
  run(): Promise<void> {
    this.running ??= (async () => {
      for (const { what, run } of this.steps.reverse()) {
        try {
          await run();
        } catch (error) {
          process.stderr.write(`bench: cleanup of ${what} failed: ${(error as Error).message}\n`);
        }
      }
    })();
    return this.running;
  }
}
