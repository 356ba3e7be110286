import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { REPO_ROOT } from '@vigil/test-kit';

/**
 * The metrics Vigil declares, read from the code that declares them: the
 * consume loop's (packages/kafka/src/metrics.ts, every stage) and each
 * service's own (services/<name>/src/metrics.ts). prom-client's default
 * process metrics (`vigil_process_*`, `vigil_nodejs_*`) come on top.
 */
export interface MetricDefinition {
  name: string;
  type: 'counter' | 'gauge' | 'histogram' | 'summary';
  labels: string[];
  help: string;
  /** `every stage` for the loop's metrics, else the service name. */
  owner: string;
  file: string;
}

export const EVERY_STAGE = 'every stage';
export const DEFAULT_METRIC_PREFIXES = ['vigil_process_', 'vigil_nodejs_'] as const;

const TYPES = { Counter: 'counter', Gauge: 'gauge', Histogram: 'histogram', Summary: 'summary' } as const;

/** Reads `new Counter({ name: '…', help: '…', labelNames: ['…'] … })` declarations of one file. */
export function parseDefinitions(source: string, owner: string, file: string): MetricDefinition[] {
  const out: MetricDefinition[] = [];
  for (const match of source.matchAll(/new (Counter|Gauge|Histogram|Summary)\(\{([\s\S]*?)\n\s*\}\)/g)) {
    const body = match[2] as string;
    const name = /\bname:\s*'([^']+)'/.exec(body)?.[1];
    if (name === undefined) throw new Error(`${file}: a ${match[1]} without a literal name`);
    const help = /\bhelp:\s*'((?:[^'\\]|\\.)*)'/.exec(body)?.[1] ?? '';
    const labelList = /\blabelNames:\s*\[([^\]]*)\]/.exec(body)?.[1] ?? '';
    const labels = [...labelList.matchAll(/'([^']+)'/g)].map((m) => m[1] as string);
    out.push({ name, type: TYPES[match[1] as keyof typeof TYPES], labels, help, owner, file });
  }
  return out;
}

export function definedMetrics(): MetricDefinition[] {
  const files: { file: string; owner: string }[] = [{ file: 'packages/kafka/src/metrics.ts', owner: EVERY_STAGE }];
  for (const service of readdirSync(resolve(REPO_ROOT, 'services')).sort()) {
    const file = `services/${service}/src/metrics.ts`;
    if (existsSync(resolve(REPO_ROOT, file))) files.push({ file, owner: service });
  }
  return files.flatMap(({ file, owner }) =>
    parseDefinitions(readFileSync(resolve(REPO_ROOT, file), 'utf8'), owner, file),
  );
}

export function isDefaultMetric(name: string): boolean {
  return DEFAULT_METRIC_PREFIXES.some((prefix) => name.startsWith(prefix));
}
