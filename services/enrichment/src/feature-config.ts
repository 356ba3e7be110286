import { readFileSync } from 'node:fs';
import { configInvalid, configIssues, durationFromFile, z } from '@vigil/config';
import { VigilError } from '@vigil/errors';

/**
 * Per-source feature settings, compiled: durations are milliseconds, the
 * season resolution is derived. `FeatureConfig.forSource` hands these out.
 */
export interface SourceSettings {
  /** Values kept per signal for the rolling mean, std and z-score. */
  windowSize: number;
  /** EWMAs in feature order; `name` is the feature name, `${name}_resid` its residual. */
  ewma: readonly { name: string; alpha: number }[];
  /** Smoothing of the inter-arrival time behind `_entity.rate_per_min`. */
  rateAlpha: number;
  /** Seasonal difference settings, or null for no `sdiff` feature. */
  season: { lengthMs: number; slots: number; resolutionMs: number } | null;
  /** A late record at most this much older than the entity's last one is tolerated (`_entity.late` = 0). */
  maxLatenessMs: number;
  /** Signals kept per entity; values of further new signals get no features. */
  maxSignals: number;
  /** Floor of the std used in the z-score; 0 leaves the z-score out while the window is constant. */
  minStd: number;
  /** Signals to enrich, or null for every signal of the record. */
  signals: readonly string[] | null;
}

const duration = durationFromFile;

const EWMA_NAME = /^ewma(_[a-z0-9]+)*$/;

/** One block of the JSON file as written by a user; every field is optional so a source overrides only what differs. */
const settingsBlock = z
  .object({
    windowSize: z.number().int().min(2).max(1_000),
    ewma: z
      .record(
        z
          .string()
          .regex(EWMA_NAME, 'EWMA names look like "ewma" or "ewma_slow"')
          .refine((name) => !name.endsWith('_resid'), 'an EWMA name must not end in _resid'),
        z.number().gt(0).lte(1),
      )
      .refine((map) => Object.keys(map).length >= 1 && Object.keys(map).length <= 4, 'give 1 to 4 EWMAs')
      .refine((map) => new Set(Object.values(map)).size === Object.keys(map).length, 'EWMA alphas must differ'),
    rateAlpha: z.number().gt(0).lte(1),
    season: z
      .object({ length: duration, slots: z.number().int().min(1).max(1_440) })
      .strict()
      .refine(
        (s) => s.length > 0 && s.length % s.slots === 0,
        'season.length must be a positive whole number of milliseconds per slot',
      )
      .nullable(),
    maxLateness: duration,
    maxSignals: z.number().int().min(1).max(1_024),
    minStd: z.number().min(0),
    signals: z.array(z.string().min(1)).min(1).nullable(),
  })
  .strict()
  .partial();

const fileSchema = z
  .object({
    default: settingsBlock.default({}),
    sources: z.record(z.string().min(1), settingsBlock).default({}),
  })
  .strict();

export type FeatureConfigFile = z.input<typeof fileSchema>;

/** Built-in defaults; a config file's `default` block overrides them for every source. */
export const DEFAULT_SETTINGS: SourceSettings = Object.freeze({
  windowSize: 60,
  ewma: Object.freeze([Object.freeze({ name: 'ewma', alpha: 0.1 })]),
  rateAlpha: 0.1,
  season: Object.freeze({ lengthMs: 86_400_000, slots: 24, resolutionMs: 3_600_000 }),
  maxLatenessMs: 60_000,
  maxSignals: 64,
  minStd: 0,
  signals: null,
});

type Block = z.output<typeof settingsBlock>;

function compile(base: SourceSettings, block: Block): SourceSettings {
  const season =
    block.season === undefined
      ? base.season
      : block.season === null
        ? null
        : {
            lengthMs: block.season.length,
            slots: block.season.slots,
            resolutionMs: block.season.length / block.season.slots,
          };
  return Object.freeze({
    windowSize: block.windowSize ?? base.windowSize,
    ewma:
      block.ewma === undefined
        ? base.ewma
        : Object.freeze(Object.entries(block.ewma).map(([name, alpha]) => Object.freeze({ name, alpha }))),
    rateAlpha: block.rateAlpha ?? base.rateAlpha,
    season: season && Object.freeze(season),
    maxLatenessMs: block.maxLateness ?? base.maxLatenessMs,
    maxSignals: block.maxSignals ?? base.maxSignals,
    minStd: block.minStd ?? base.minStd,
    signals: block.signals === undefined ? base.signals : block.signals && Object.freeze([...block.signals]),
  });
}

/** Which settings apply to which source: a named source's block, else the default block. */
export class FeatureConfig {
  readonly defaults: SourceSettings;
  private readonly sources: ReadonlyMap<string, SourceSettings>;

  constructor(defaults: SourceSettings, sources: ReadonlyMap<string, SourceSettings> = new Map()) {
    this.defaults = defaults;
    this.sources = sources;
  }

  forSource(source: string): SourceSettings {
    return this.sources.get(source) ?? this.defaults;
  }

  /** Sources with settings of their own. */
  sourceNames(): string[] {
    return [...this.sources.keys()];
  }

  /** Validates a parsed config document; throws VIGIL_CONFIG_INVALID listing every problem. */
  static parse(document: unknown, origin = 'feature config'): FeatureConfig {
    const result = fileSchema.safeParse(document);
    if (!result.success) throw configInvalid(configIssues(result.error), origin);
    const defaults = compile(DEFAULT_SETTINGS, result.data.default);
    const sources = new Map<string, SourceSettings>();
    for (const [source, block] of Object.entries(result.data.sources)) sources.set(source, compile(defaults, block));
    return new FeatureConfig(defaults, sources);
  }

  /** Reads and validates the JSON file at `path`, or returns the built-in defaults when no path is given. */
  static load(path: string | undefined): FeatureConfig {
    if (path === undefined) return new FeatureConfig(DEFAULT_SETTINGS);
    let document: unknown;
    try {
      document = JSON.parse(readFileSync(path, 'utf8'));
    } catch (error) {
      throw new VigilError('VIGIL_CONFIG_INVALID', `cannot read feature config ${path}: ${(error as Error).message}`, {
        cause: error,
        path,
      });
    }
    return FeatureConfig.parse(document, `feature config ${path}`);
  }
}
