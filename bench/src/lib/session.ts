import { testKafka } from '@vigil/test-kit';
import type { Admin, Kafka, Producer } from 'kafkajs';
import { Cleanup } from './cleanup.ts';

/** What every benchmark entry file starts from: its Kafka clients and its cleanup. */
export interface BenchSession {
  kafka: Kafka;
  admin: Admin;
  /** The preload producer; a benchmark that produces per scenario makes its own from `kafka`. */
  producer: Producer;
  cleanup: Cleanup;
}

/**
 * The clients of one benchmark, not connected yet, and the cleanup that Ctrl-C runs too,
 * so that an interrupted run still leaves the shared stack as it found it.
 */
export function benchSession(clientId: string): BenchSession {
  const kafka = testKafka(clientId);
  const cleanup = new Cleanup();
  process.once('SIGINT', () => void cleanup.run().then(() => process.exit(130)));
  return { kafka, admin: kafka.admin(), producer: kafka.producer(), cleanup };
}

/** Connects the admin client and (unless `producer: false`) the preload producer; they disconnect last. */
export async function connectSession(session: BenchSession, options: { producer?: boolean } = {}): Promise<void> {
  await session.admin.connect();
  session.cleanup.add('admin client', () => session.admin.disconnect());
  if (options.producer === false) return;
  await session.producer.connect();
  session.cleanup.add('preload producer', () => session.producer.disconnect());
}

/** Runs a benchmark's main, then every cleanup step, whatever happened. */
export async function runBench(session: BenchSession, main: () => Promise<void>): Promise<void> {
  try {
    await main();
  } finally {
    await session.cleanup.run();
  }
}
