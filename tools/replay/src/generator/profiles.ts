import type { Random } from '@vigil/random';
import { dailyCycle, weekendShare } from './seasonality.ts';

export interface SignalSpec {
  name: string;
  decimals: number;
  /** Typical daily spread of the signal, the unit in which anomalies are sized. */
  scale: number;
  min?: number;
  max?: number;
  /** Driven by another signal, so its relation can be broken. */
  dependent: boolean;
}

/** One entity's physics: each call is the next sample. */
export interface SignalModel {
  readonly signals: readonly SignalSpec[];
  /**
   * Values at time `t`. When `broken` names a dependent signal, that signal
   * follows the mirror image of its driver around the seasonal mean: each
   * signal alone stays in its normal range while their relation inverts.
   */
  step(t: number, broken: string | undefined): Record<string, number>;
}

export const PROFILE_KINDS = ['pump', 'host'] as const;
export type ProfileKind = (typeof PROFILE_KINDS)[number];

/** Correlation time of the slow (AR(1)) part of the noise. */
const NOISE_TAU_MS = 120_000;

/** A stationary AR(1) process with unit variance, advanced once per sample. */
function arNoise(random: Random, intervalMs: number): () => number {
  const phi = Math.exp(-intervalMs / NOISE_TAU_MS);
  const innovation = Math.sqrt(1 - phi * phi);
  let state = random.normal();
  return () => {
    state = phi * state + innovation * random.normal();
    return state;
  };
}

/** Exponential smoothing with time constant `tauMs`, for thermal lag; starts at the first input. */
function smoother(intervalMs: number, tauMs: number): (x: number) => number {
  const alpha = 1 - Math.exp(-intervalMs / tauMs);
  let state: number | undefined;
  return (x) => {
    state = state === undefined ? x : state + alpha * (x - state);
    return state;
  };
}

/**
 * A centrifugal pump. Demand sets the flow (daily and weekly cycles plus slow
 * noise); current, pressure and vibration follow the flow; the motor
 * temperature follows the current with a ten-minute thermal lag on top of a
 * daily ambient cycle.
 */
export function pumpModel(random: Random, intervalMs: number): SignalModel {
  const flowBase = random.uniform(80, 140);
  const dailyAmp = random.uniform(0.15, 0.3);
  const weekendDip = random.uniform(0.1, 0.25);
  const peakHour = random.uniform(10, 16);
  const ampC = 0.012;
  const ampP = 0.008;
  const spread = flowBase * dailyAmp;
  const slow = arNoise(random, intervalMs);
  const thermal = smoother(intervalMs, 600_000);
  const signals: SignalSpec[] = [
    { name: 'flow', decimals: 2, scale: spread, min: 0, dependent: false },
    { name: 'current', decimals: 3, scale: ampC * spread, min: 0, dependent: true },
    { name: 'pressure', decimals: 3, scale: ampP * spread, min: 0, dependent: true },
    { name: 'vibration', decimals: 4, scale: 0.5 * dailyAmp, min: 0, dependent: true },
    { name: 'temperature', decimals: 2, scale: 3, dependent: false },
  ];
  return {
    signals,
    step(t, broken) {
      const mean = flowBase * (1 - weekendDip * weekendShare(t));
      const flow = mean * (1 + dailyAmp * dailyCycle(t, peakHour)) * (1 + 0.03 * slow()) + 0.4 * random.normal();
      const driver = (name: string): number => (name === broken ? 2 * mean - flow : flow);
      const currentNoise = 0.03 * random.normal();
      const current = 0.8 + ampC * driver('current') + currentNoise;
      const pressure = 0.2 + ampP * driver('pressure') + 0.02 * random.normal();
      const vibration = 0.05 + 0.25 * (driver('vibration') / flowBase) ** 2 + 0.01 * random.normal();
      const ambient = 18 + 3 * dailyCycle(t, peakHour + 2);
      // The motor heats with the current the flow draws, so a broken current reading does not leak into it.
      const heating = thermal(0.8 + ampC * flow + currentNoise);
      const temperature = ambient + 20 * (heating - 0.8) + 0.15 * random.normal();
      return { flow, current, pressure, vibration, temperature };
    },
  };
}

/**
 * A web host. Users set the request rate (strong daily cycle, quieter
 * weekends, multiplicative noise); CPU follows the request rate; latency
 * follows CPU through a queueing curve that steepens near saturation.
 */
export function hostModel(random: Random, intervalMs: number): SignalModel {
  const requestBase = random.uniform(200, 800);
  const dailyAmp = random.uniform(0.4, 0.7);
  const weekendDip = random.uniform(0.25, 0.45);
  const peakHour = random.uniform(13, 17);
  const capacity = requestBase * (1 + 1.25 * dailyAmp) * 1.4;
  const latencyBase = random.uniform(20, 60);
  const slow = arNoise(random, intervalMs);
  const signals: SignalSpec[] = [
    { name: 'requests', decimals: 1, scale: requestBase * dailyAmp, min: 0, dependent: false },
    { name: 'cpu', decimals: 2, scale: (85 * requestBase * dailyAmp) / capacity, min: 0, max: 100, dependent: true },
    { name: 'latency_ms', decimals: 2, scale: latencyBase, min: 0, dependent: true },
  ];
  const cpuOf = (requests: number): number =>
    Math.min(100, Math.max(0, 3 + (85 * requests) / capacity + random.normal()));
  const latencyOf = (cpu: number): number => {
    const u = Math.min(0.95, cpu / 100);
    return latencyBase * (1 + (1.5 * u * u) / (1 - u)) * Math.exp(0.04 * random.normal());
  };
  return {
    signals,
    step(t, broken) {
      const mean = requestBase * (1 - weekendDip * weekendShare(t));
      const requests = Math.max(0, mean * (1 + dailyAmp * dailyCycle(t, peakHour)) * Math.exp(0.05 * slow()));
      // Both CPU readings are drawn every sample so the noise does not depend on the anomalies.
      const cpuFollowing = cpuOf(requests);
      const cpuMirrored = cpuOf(Math.max(0, 2 * mean - requests));
      const cpu = broken === 'cpu' ? cpuMirrored : cpuFollowing;
      const latency = latencyOf(broken === 'latency_ms' ? cpuMirrored : cpu);
      return { requests, cpu, latency_ms: latency };
    },
  };
}

export const MODELS: Readonly<Record<ProfileKind, (random: Random, intervalMs: number) => SignalModel>> = {
  pump: pumpModel,
  host: hostModel,
};
