/**
 * The registry of element kinds. Adding a kind = one file exporting an ElementKind, plus one
 * entry in KINDS below; the manifest schema, the semantic checks and the loader pick it up.
 */
import { z } from 'zod';
import { ellipticEnvelope } from './elliptic-envelope.ts';
import { isolationForest } from './isolation-forest.ts';
import type { ElementKind } from './kind.ts';
import { online } from './online.ts';
import { predictive } from './predictive.ts';
import { rules } from './rules.ts';

const KINDS = [predictive, ellipticEnvelope, rules, isolationForest, online] as const;

type KindOf<K> = K extends ElementKind<infer E> ? E : never;
/** A manifest element entry of any registered kind. */
export type ElementEntry = KindOf<(typeof KINDS)[number]>;

export const KIND_NAMES: readonly string[] = KINDS.map((k) => k.kind);

// Each schema is a strict object whose `kind` is a literal: a valid discriminated union.
export const elementEntrySchema = z.discriminatedUnion(
  'kind',
  KINDS.map((k) => k.schema) as unknown as Parameters<typeof z.discriminatedUnion>[1],
) as unknown as z.ZodType<ElementEntry>;

const BY_NAME = new Map<string, ElementKind<ElementEntry>>(
  // The registry is heterogeneous; each kind only ever receives entries its own schema parsed.
  KINDS.map((k) => [k.kind, k as unknown as ElementKind<ElementEntry>]),
);

export function kindOf(entry: ElementEntry): ElementKind<ElementEntry> {
  const kind = BY_NAME.get(entry.kind);
  if (kind === undefined) throw new Error(`unknown element kind ${entry.kind}`); // the schema admits registered kinds only
  return kind;
}

export type {
  ElementBatch,
  ElementContext,
  ElementEvaluator,
  ElementKind,
  ElementOutput,
  ElementState,
} from './kind.ts';
