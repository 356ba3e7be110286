import { VigilError } from '@vigil/errors';
import avro from 'avsc';

type JsonSchema = Record<string, unknown>;

/**
 * The schema `type` without the fields at `omit` (dot paths through record
 * fields: `alert.values`). Read through a resolver from the full writer
 * schema, the left-out fields are skipped byte by byte and never built, which
 * is what makes a projection cheap for a stage that needs a few small fields
 * of large records. Throws VIGIL_AVRO_SCHEMA_INVALID for a path that names no
 * record field.
 */
export function omitFields(type: avro.Type, omit: readonly string[]): avro.Type {
  const definition = type.schema() as JsonSchema;
  for (const path of omit) {
    const names = path.split('.');
    let record: JsonSchema | undefined = definition;
    for (const [depth, name] of names.entries()) {
      const fields = record?.fields as JsonSchema[] | undefined;
      const at = fields?.findIndex((field) => field.name === name) ?? -1;
      if (!fields || at < 0) {
        throw new VigilError('VIGIL_AVRO_SCHEMA_INVALID', `${type.name ?? 'schema'} has no field ${path}`, { path });
      }
      if (depth === names.length - 1) fields.splice(at, 1);
      else record = recordOf((fields[at] as JsonSchema).type);
    }
  }
  return avro.Type.forSchema(definition as avro.Schema);
}

/** The record schema a field's type holds (itself, or the record branch of a union). */
function recordOf(type: unknown): JsonSchema | undefined {
  if (Array.isArray(type)) return type.map(recordOf).find((branch) => branch !== undefined);
  if (type && typeof type === 'object' && (type as JsonSchema).type === 'record') return type as JsonSchema;
  return undefined;
}
