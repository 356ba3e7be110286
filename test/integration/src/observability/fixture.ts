import { uniqueName, waitFor } from '@vigil/test-kit';
import { closingAlerts, Feeder, type FeedResult } from './feed.ts';
import { assertScoringServesDefaults, ensureReferenceModels, trainingMedians } from './models.ts';
import { PrometheusApi } from './prometheus.ts';
import { ensureServices, LIVE_SERVICES, type RunningServices } from './services.ts';

/** The live services running and scraped, and a feeder of their input topics. */
export interface ObservedPipeline {
  prometheus: PrometheusApi;
  services: RunningServices;
  /** How long the services and Prometheus get to show a feed: processing plus three scrapes. */
  settleMs: number;
  scrapeMs: number;
  /** Feeds a fresh run (new ids and entities) through every live service. */
  feed(): Promise<FeedResult & { runName: string }>;
  /** Closes the incidents the runs left open. */
  closeIncidents(): Promise<void>;
  /** Waits until Prometheus has every selector, each of its series with two samples in the last three scrapes (so a rate has a value). */
  waitForSeries(selectors: readonly string[]): Promise<void>;
  /** Closes the runs' incidents, disconnects, and stops the services this fixture started (only those). */
  close(): Promise<void>;
}

export async function observedPipeline(): Promise<ObservedPipeline> {
  const prometheus = new PrometheusApi();
  const scrapeMs = await prometheus.scrapeIntervalMs();
  const settleMs = 60_000 + 3 * scrapeMs;
  // Scoring serves the reference modules by alias: they must be in MLflow before it can be ready.
  await ensureReferenceModels();
  const services = await ensureServices(LIVE_SERVICES);
  let feeder: Feeder | undefined;
  const runs: string[] = [];
  try {
    await assertScoringServesDefaults();
    for (const name of LIVE_SERVICES) {
      await waitFor(
        `Prometheus to scrape vigil-${name} (up == 1)`,
        async () => ((await prometheus.total(`up{job="vigil-${name}"}`)) === 1 ? true : undefined),
        settleMs,
        500,
      );
    }
    feeder = await Feeder.connect(await trainingMedians());
  } catch (error) {
    await services.stop();
    throw error;
  }
  const connected = feeder;
  const closeIncidents = async () => {
    for (const runName of runs) await connected.scored(closingAlerts(runName, Date.now()));
  };
  return {
    prometheus,
    services,
    settleMs,
    scrapeMs,
    feed: async () => {
      const runName = uniqueName('obs');
      runs.push(runName);
      return { ...(await connected.feed(runName)), runName };
    },
    closeIncidents,
    waitForSeries: async (selectors) => {
      for (const selector of selectors) {
        await waitFor(
          `Prometheus to have a series of ${selector}`,
          async () => ((await prometheus.query(selector)).length > 0 ? true : undefined),
          settleMs,
          500,
        );
      }
      const window = `${3 * scrapeMs}ms`;
      for (const selector of selectors) {
        await waitFor(
          `two samples of every series of ${selector}`,
          async () =>
            (await prometheus.total(`min(count_over_time(${selector}[${window}]))`)) >= 2 ? true : undefined,
          settleMs,
          500,
        );
      }
    },
    close: async () => {
      try {
        await closeIncidents();
        await connected.disconnect();
      } finally {
        await services.stop();
      }
    },
  };
}
