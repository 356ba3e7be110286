import type { EachBatchPayload } from 'kafkajs';

/**
 * kafkajs workers to ask for: more than the partitions one member reads from
 * one broker in practice, so that every batch of a fetch has its own worker;
 * a larger fetch is taken in several groups.
 */
export const FETCH_WORKERS = 64;

export interface FetchGatherer {
  /** The `eachBatch` to give kafkajs (with `partitionsConsumedConcurrently: FETCH_WORKERS`). */
  eachBatch(payload: EachBatchPayload): Promise<void>;
  /** Settles once every group handed over so far has been processed. */
  settled(): Promise<void>;
}

/**
 * kafkajs hands every non-empty partition batch of one fetch to its own
 * worker, all in the same tick, and fetches again once they have all settled.
 * This gathers them until the next macrotask and passes them to `processGroup`
 * together; each batch's promise settles with its group's. Groups (one per
 * fetcher, that is per broker) run one after another, so `processGroup` never
 * runs twice at once. While `skip()` is true, batches settle at once,
 * unprocessed.
 */
export function gatherFetches(
  processGroup: (payloads: EachBatchPayload[]) => Promise<void>,
  skip: () => boolean = () => false,
): FetchGatherer {
  type Gathered = { payload: EachBatchPayload; resolve: () => void; reject: (error: unknown) => void };
  let gathering: Gathered[] = [];
  let tail: Promise<void> = Promise.resolve();
  return {
    eachBatch(payload) {
      if (skip()) return Promise.resolve();
      return new Promise((resolve, reject) => {
        gathering.push({ payload, resolve, reject });
        if (gathering.length > 1) return;
        setImmediate(() => {
          const group = gathering;
          gathering = [];
          tail = tail.then(() =>
            processGroup(group.map((item) => item.payload)).then(
              () => {
                for (const item of group) item.resolve();
              },
              (error: unknown) => {
                for (const item of group) item.reject(error);
              },
            ),
          );
        });
      });
    },
    settled: () => tail,
  };
}
