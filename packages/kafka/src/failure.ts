import { VigilError } from '@vigil/errors';

/**
 * What the consume loop does with an error thrown while it processes,
 * publishes or commits a chunk:
 * - `transient`: back off and retry the chunk (a dependency or the broker is down);
 * - `group`: the member lost its place in the consumer group; abandon the chunk
 *   uncommitted and hand the error to kafkajs, which rejoins (retrying would
 *   only repeat a commit the group refuses, and keep the member from rejoining);
 * - `fatal`: retrying cannot help (a handler bug, a record the broker refuses).
 */
export type Failure = { kind: 'transient'; code: string } | { kind: 'group'; type: string } | { kind: 'fatal' };

/** kafkajs protocol error types that mean "rejoin the group", as kafkajs's own runner treats them. */
const GROUP_ERROR_TYPES: ReadonlySet<string> = new Set([
  'REBALANCE_IN_PROGRESS',
  'ILLEGAL_GENERATION',
  'UNKNOWN_MEMBER_ID',
  'NOT_COORDINATOR_FOR_GROUP',
  'FENCED_INSTANCE_ID',
]);

interface KafkaJsLike {
  name: string;
  type?: unknown;
  retriable?: unknown;
  cause?: unknown;
}

function isKafkaJs(error: unknown): error is Error & KafkaJsLike {
  return error instanceof Error && error.name.startsWith('KafkaJS');
}

/** The error and its causes, outermost first (kafkajs wraps what its retrier gave up on). */
function chainOf(error: Error & KafkaJsLike): (Error & KafkaJsLike)[] {
  const chain = [error];
  let current: unknown = error.cause;
  while (current instanceof Error && chain.length < 8 && !chain.includes(current)) {
    chain.push(current as Error & KafkaJsLike);
    current = (current as KafkaJsLike).cause;
  }
  return chain;
}

function classifyKafkaJs(error: Error & KafkaJsLike): Failure {
  const chain = chainOf(error);
  for (const link of chain) {
    if (typeof link.type === 'string' && GROUP_ERROR_TYPES.has(link.type)) return { kind: 'group', type: link.type };
  }
  // kafkajs gave up after its own retries of a retriable error: the loop keeps trying at its own pace.
  if (error.name === 'KafkaJSNumberOfRetriesExceeded') return { kind: 'transient', code: 'VIGIL_KAFKA_UNAVAILABLE' };
  const root = chain[chain.length - 1] as Error & KafkaJsLike;
  if (root.retriable === false) return { kind: 'fatal' };
  return { kind: 'transient', code: 'VIGIL_KAFKA_UNAVAILABLE' };
}

export function classifyFailure(error: unknown): Failure {
  if (error instanceof VigilError) return error.retriable ? { kind: 'transient', code: error.code } : { kind: 'fatal' };
  if (isKafkaJs(error)) return classifyKafkaJs(error);
  return { kind: 'fatal' };
}

/**
 * Runs a kafkajs call (connect, subscribe, an admin request) and turns a
 * transient kafkajs failure into a retriable `VIGIL_KAFKA_UNAVAILABLE`, so that
 * `lifecycle.retryUntilReady('kafka', () => kafkaCall('connect', () => producer.connect()))`
 * waits for a broker that is not up yet instead of crashing the service.
 */
export async function kafkaCall<T>(what: string, call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (error) {
    if (!(error instanceof VigilError) && classifyFailure(error).kind === 'transient') {
      throw new VigilError('VIGIL_KAFKA_UNAVAILABLE', `${what}: ${(error as Error).message}`, { cause: error });
    }
    throw error;
  }
}
