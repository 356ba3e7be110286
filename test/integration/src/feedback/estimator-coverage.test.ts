/**
 * The estimators of @vigil/quality under the feedback service's sampling
 * design, on SKAB ground truth (the generated pump telemetry when
 * VIGIL_DATASETS is unset). No stack: the population (every labelled row)
 * gets verdicts from its labels with noise, is sampled 1,000 times with the service's own `decide` (random +
 * borderline + every UNSURE), and each sample labelled by a simulated
 * labeller who gives the ground truth. Over the runs, the 95 % intervals of
 * precision, recall, false-positive rate and F1 must cover the population's
 * value in 93.5–96.5 % of runs with a bias under 0.5 points; the unweighted
 * estimator (π ignored) must cover clearly less.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { decide, type SampledScore, type SamplingPolicy } from '@vigil/feedback';
import { type LabelledObject, type QualityMetric, qualityMetrics } from '@vigil/quality';
import { createRandom, mulberry32 } from '@vigil/random';
import { readSkab, skabData } from '@vigil/test-kit';

const THRESHOLDS = { unsureAbove: 0.4, anomalyAbove: 0.5 };
/** Borderline: calibrated within 0.05 of the ANOMALY threshold, 30 % of them requested; every UNSURE. */
const POLICY: SamplingPolicy = { seed: 'coverage', randomRate: 0, borderline: { rate: 0.3, halfWidth: 0.05 } };
/** Random labels per run: the random rate is this over the population (SKAB's 37,401 rows, the generated 8,800). */
const RANDOM_LABELS = 1_500;
const RUNS = 1_000;
const CHECKED: readonly QualityMetric[] = ['precision', 'recall', 'falsePositiveRate', 'f1'];

type Unit = { score: SampledScore; anomalous: boolean };

/**
 * Every labelled row of every experiment, scored by a detector whose logit is
 * +1 on anomalous rows and −1.5 on normal ones plus a standard normal error
 * (fixed by a seed: the population is the same in every run), calibrated by
 * the logistic. Its errors are not tied to the signals, so the population's
 * metrics sit inside (0, 1) on any data; the labeller gives the ground truth.
 */
function population(files: readonly string[]): Unit[] {
  const noise = createRandom('coverage-detector');
  const units: Unit[] = [];
  for (const file of files) {
    for (const row of readSkab(file)) {
      const calibrated = 1 / (1 + Math.exp(-((row.anomaly ? 1 : -1.5) + noise.normal())));
      const verdict =
        calibrated >= THRESHOLDS.anomalyAbove ? 'ANOMALY' : calibrated >= THRESHOLDS.unsureAbove ? 'UNSURE' : 'NORMAL';
      units.push({ score: { verdict, calibrated, thresholds: THRESHOLDS }, anomalous: row.anomaly });
    }
  }
  return units;
}

interface Tally {
  covered: number;
  sum: number;
  runs: number;
}

describe('quality estimators under the mixed sampling design', { timeout: 120_000 }, () => {
  const work = mkdtempSync(join(tmpdir(), 'vigil-coverage-'));
  after(() => rmSync(work, { recursive: true, force: true }));

  it('95 % intervals cover the population value in 93.5–96.5 % of 1,000 runs; ignoring π does not', async (t) => {
    const data = await skabData(work);
    t.diagnostic(`ground truth: ${data.origin}`);
    const units = population(data.labelled);
    const policy = { ...POLICY, randomRate: Math.min(1, RANDOM_LABELS / units.length) };
    const truth = qualityMetrics(
      units.map((u) => ({
        verdict: u.score.verdict as LabelledObject['verdict'],
        anomalous: u.anomalous,
        inclusionProbability: 1,
      })),
    );
    const weighted = new Map<QualityMetric, Tally>(CHECKED.map((m) => [m, { covered: 0, sum: 0, runs: 0 }]));
    const naive = new Map<QualityMetric, Tally>(CHECKED.map((m) => [m, { covered: 0, sum: 0, runs: 0 }]));
    let sampled = 0;

    for (let run = 0; run < RUNS; run++) {
      // The service draws from SHA-256 of the alert id (one digest per alert, ~2 µs); a seeded generator
      // gives the same uniforms 1,000 times faster, and the design itself is the service's `decide`.
      const next = mulberry32(run + 1);
      const sample: LabelledObject[] = [];
      for (const unit of units) {
        const decision = decide(unit.score, policy, { random: next(), borderline: next() });
        if (decision === null || unit.score.verdict === 'MISSING') continue;
        sample.push({
          verdict: unit.score.verdict,
          anomalous: unit.anomalous,
          inclusionProbability: decision.inclusionProbability,
        });
      }
      sampled += sample.length;
      const share = sample.length / units.length;
      const estimates = qualityMetrics(sample);
      const unweighted = qualityMetrics(sample.map((o) => ({ ...o, inclusionProbability: share })));
      for (const metric of CHECKED) {
        const value = truth[metric].estimate as number;
        for (const [tallies, estimate] of [
          [weighted, estimates[metric]],
          [naive, unweighted[metric]],
        ] as const) {
          const tally = tallies.get(metric) as Tally;
          if (estimate.estimate === null) continue;
          tally.runs++;
          tally.sum += estimate.estimate;
          if (estimate.lower <= value && value <= estimate.upper) tally.covered++;
        }
      }
    }

    t.diagnostic(`${units.length} scored rows, ${Math.round(sampled / RUNS)} labelled per run on average`);
    for (const metric of CHECKED) {
      const value = truth[metric].estimate as number;
      const w = weighted.get(metric) as Tally;
      const n = naive.get(metric) as Tally;
      const coverage = w.covered / w.runs;
      const bias = w.sum / w.runs - value;
      const naiveCoverage = n.covered / n.runs;
      t.diagnostic(
        `${metric}: true ${value.toFixed(4)}, coverage ${(coverage * 100).toFixed(1)} %, bias ${(bias * 100).toFixed(2)} points; ` +
          `unweighted: coverage ${(naiveCoverage * 100).toFixed(1)} %, bias ${((n.sum / n.runs - value) * 100).toFixed(2)} points`,
      );
      assert.equal(w.runs, RUNS, `${metric} has an estimate in every run`);
      assert.ok(coverage >= 0.935 && coverage <= 0.965, `${metric} coverage ${coverage}`);
      assert.ok(Math.abs(bias) < 0.005, `${metric} bias ${bias}`);
      // Outside the band the weighted intervals must meet (it covers 0–75 % here).
      assert.ok(naiveCoverage < 0.935, `${metric}: the unweighted estimator covers ${naiveCoverage}`);
    }
  });
});
