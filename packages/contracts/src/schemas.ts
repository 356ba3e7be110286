import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import avro from 'avsc';

/** The repository's `schemas/` folder. */
export const SCHEMAS_DIR = resolve(dirname(fileURLToPath(import.meta.url)), '../../../schemas');

export interface LoadedSchema {
  /** Avro full name, e.g. `vigil.Alert`. */
  fullName: string;
  file: string;
  /** The schema JSON as written in the file. */
  definition: avro.Schema;
  type: avro.Type;
}

/** Loads every `*.avsc` file in `dir`, keyed by the schema's full name. */
export function loadSchemas(dir: string = SCHEMAS_DIR): ReadonlyMap<string, LoadedSchema> {
  const schemas = new Map<string, LoadedSchema>();
  for (const file of readdirSync(dir)
    .filter((f) => f.endsWith('.avsc'))
    .sort()) {
    const definition = JSON.parse(readFileSync(join(dir, file), 'utf8')) as avro.Schema;
    const type = avro.Type.forSchema(definition);
    const fullName = type.name;
    if (!fullName) throw new Error(`${file}: top-level schema must be a named record`);
    if (schemas.has(fullName)) throw new Error(`${file}: ${fullName} is defined twice`);
    schemas.set(fullName, { fullName, file, definition, type });
  }
  return schemas;
}
