import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { after, describe, it } from 'node:test';
import { AvroCodec } from '@vigil/avro';
import { type LoadedSchema, loadSchemas, SCHEMAS_DIR, type SchemaName, valueSubject } from '@vigil/contracts';
import { REPO_ROOT, stackEnv, uniqueName } from '@vigil/test-kit';
import avro from 'avsc';

const registryUrl = stackEnv.registryUrl;
const subjects: string[] = [];
after(async () => {
  for (const subject of subjects) {
    await fetch(`${registryUrl}/subjects/${encodeURIComponent(subject)}`, { method: 'DELETE' });
  }
});

function git(...args: string[]): string {
  return execFileSync('git', args, { cwd: REPO_ROOT, encoding: 'utf8' });
}

/**
 * The schema file as it was before its latest change: the committed version when
 * the working tree changed it, else the version before the last commit that
 * touched it; the file itself when it has no earlier version.
 */
function previousDefinition(file: string): { definition: avro.Schema; from: string } {
  const path = `schemas/${file}`;
  const dirty = git('status', '--porcelain', '--', path).trim().length > 0;
  const commits = git('log', '--format=%H', '--', path).trim().split('\n').filter(Boolean);
  const revision = dirty ? commits[0] : commits[1];
  if (!revision)
    return { definition: JSON.parse(git('show', `HEAD:${path}`)) as avro.Schema, from: 'itself (no earlier version)' };
  try {
    return { definition: JSON.parse(git('show', `${revision}:${path}`)) as avro.Schema, from: revision.slice(0, 8) };
  } catch {
    return { definition: JSON.parse(git('show', `HEAD:${path}`)) as avro.Schema, from: 'itself (new file)' };
  }
}

describe('schema evolution', () => {
  for (const schema of loadSchemas(SCHEMAS_DIR).values()) {
    it(`${schema.fullName} (${schema.file}) is BACKWARD compatible with its previous version`, async (t) => {
      const previous = previousDefinition(schema.file);
      t.diagnostic(`previous version: ${previous.from}`);
      const topic = uniqueName('evolution');
      const subject = valueSubject(topic);
      subjects.push(subject);
      const name = schema.fullName as SchemaName;
      const old: LoadedSchema = {
        ...schema,
        definition: previous.definition,
        type: avro.Type.forSchema(previous.definition),
      };
      await new AvroCodec({ registryUrl, schemas: new Map([[name, old]]) }).registerTopic(topic, name);
      const verdict = await new AvroCodec({ registryUrl }).checkCompatibility(subject, name);
      assert.equal(verdict.compatible, true, verdict.messages.join('\n'));
    });
  }
});
