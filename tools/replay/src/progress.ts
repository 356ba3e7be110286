import cliProgress from 'cli-progress';

export interface Progress {
  start(total: number): void;
  update(sent: number): void;
  stop(): void;
}

const silent: Progress = { start() {}, update() {}, stop() {} };

/** A progress bar on stderr, or nothing when disabled (not a TTY, or --quiet). */
export function createProgress(enabled: boolean, stream: NodeJS.WriteStream = process.stderr): Progress {
  if (!enabled) return silent;
  const bar = new cliProgress.SingleBar(
    {
      stream,
      format: 'replay [{bar}] {percentage}% | {value}/{total} records | {speed} records/s | ETA {eta_formatted}',
      hideCursor: true,
      etaBuffer: 50,
    },
    cliProgress.Presets.shades_classic,
  );
  let startedAt = 0;
  return {
    start(total) {
      startedAt = performance.now();
      bar.start(total, 0, { speed: 0 });
    },
    update(sent) {
      const seconds = (performance.now() - startedAt) / 1000;
      bar.update(sent, { speed: seconds > 0 ? Math.round(sent / seconds) : 0 });
    },
    stop() {
      bar.stop();
    },
  };
}
