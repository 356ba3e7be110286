import { createGenerator, type GeneratedEntity, type GeneratorOptions } from './generator.ts';
import { type DelimitedFile, openDelimited } from './readers/delimited.ts';
import { listInputFiles } from './readers/files.ts';
import { interleave, type RetimeOptions, retimed, retimer, sequential } from './timeline.ts';
import type { EntitySummary, LabelledRecord } from './types.ts';

export const ORDERS = ['interleave', 'sequential'] as const;
export type Order = (typeof ORDERS)[number];

/** What a replay streams: known entities and totals up front, then the records. */
export interface ReplayInput {
  entities: readonly EntitySummary[];
  /** Records over all entities. */
  total: number;
  records(): AsyncIterable<LabelledRecord>;
}

export interface FileInputOptions {
  /** Time column for plain CSV (detected by name otherwise). */
  tsColumn?: string;
  /** Keeps only the entities it accepts (before any id prefix). */
  entityFilter?: (entity: string) => boolean;
  order: Order;
  retime: RetimeOptions;
  /** Prepended to every id, so a dataset can be streamed again past ingest's duplicate check. */
  idPrefix?: string;
  /** Prepended to every entity, so a stream can run again as new entities with no state from earlier runs. */
  entityPrefix?: string;
}

/** Reads a file once to count its rows and find its time span (and fail early on a bad row). */
async function summarise(file: DelimitedFile, entity: string): Promise<EntitySummary> {
  let rows = 0;
  let firstTs = Number.POSITIVE_INFINITY;
  let lastTs = Number.NEGATIVE_INFINITY;
  for await (const { record } of file.records()) {
    rows++;
    if (record.ts < firstTs) firstTs = record.ts;
    if (record.ts > lastTs) lastTs = record.ts;
  }
  return rows === 0
    ? { entity, source: file.dialect.source, rows, firstTs: 0, lastTs: 0 }
    : { entity, source: file.dialect.source, rows, firstTs, lastTs };
}

interface Prefixes {
  idPrefix?: string;
  entityPrefix?: string;
}

async function* withPrefixes(
  records: AsyncIterable<LabelledRecord>,
  prefixes: Prefixes,
): AsyncGenerator<LabelledRecord> {
  for await (const item of records) {
    if (prefixes.idPrefix) item.record.id = `${prefixes.idPrefix}${item.record.id}`;
    if (prefixes.entityPrefix) item.record.entity = `${prefixes.entityPrefix}${item.record.entity}`;
    yield item;
  }
}

function finish(streams: AsyncIterable<LabelledRecord>[], order: Order, prefixes: Prefixes) {
  const merged = order === 'interleave' ? interleave(streams) : sequential(streams);
  return prefixes.idPrefix || prefixes.entityPrefix ? withPrefixes(merged, prefixes) : merged;
}

/**
 * A dataset file or folder as a replay input. Every file is read once up front
 * (row counts for the progress bar, time spans for re-timing, and a bad row
 * fails the run before anything is sent), then again while streaming.
 */
export async function openFileInput(path: string, options: FileInputOptions): Promise<ReplayInput> {
  const files = (await listInputFiles(path)).filter((f) => options.entityFilter?.(f.entity) ?? true);
  const opened: { file: DelimitedFile; summary: EntitySummary }[] = [];
  for (const { path: filePath, entity } of files) {
    const file = await openDelimited(filePath, { entity, tsColumn: options.tsColumn });
    opened.push({ file, summary: await summarise(file, entity) });
  }
  return {
    entities: opened.map((o) => o.summary),
    total: opened.reduce((sum, o) => sum + o.summary.rows, 0),
    records: () =>
      finish(
        opened.map(({ file, summary }) => retimed(file.records(), retimer(summary, options.retime))),
        options.order,
        options,
      ),
  };
}

async function* fromSync(records: Iterable<LabelledRecord>): AsyncGenerator<LabelledRecord> {
  yield* records;
}

export interface GeneratedInput extends ReplayInput {
  entities: readonly GeneratedEntity[];
}

/** Generated telemetry as a replay input; always in time order across entities. */
export function openGeneratedInput(
  generator: GeneratorOptions,
  options: Pick<FileInputOptions, 'retime' | 'idPrefix' | 'entityPrefix'>,
): GeneratedInput {
  const generation = createGenerator(generator);
  // Every generated entity spans the same times, so one re-timing fits all.
  const first = generation.entities[0];
  const map = retimer(first ?? { firstTs: 0, lastTs: 0 }, options.retime);
  return {
    entities: generation.entities,
    total: generation.total,
    records: () => finish([retimed(fromSync(generation.records()), map)], 'sequential', options),
  };
}
