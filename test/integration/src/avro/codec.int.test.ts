import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { AvroCodec, decodeOrReject, writeWire } from '@vigil/avro';
import { type Alert, loadSchemas, type Telemetry, valueSubject } from '@vigil/contracts';
import { stackEnv, uniqueName } from '@vigil/test-kit';
import avro from 'avsc';

const registryUrl = stackEnv.registryUrl;
const subjects: string[] = [];

async function deleteSubject(subject: string): Promise<void> {
  await fetch(`${registryUrl}/subjects/${encodeURIComponent(subject)}`, { method: 'DELETE' });
  await fetch(`${registryUrl}/subjects/${encodeURIComponent(subject)}?permanent=true`, { method: 'DELETE' });
}

after(async () => {
  for (const subject of subjects) await deleteSubject(subject);
});

describe('AvroCodec against the real registry', () => {
  it('registers a topic schema, encodes locally and decodes by id', async () => {
    const codec = await AvroCodec.connect({ registryUrl });
    const topic = uniqueName('codec');
    subjects.push(valueSubject(topic));
    const id = await codec.registerTopic(topic, 'vigil.Telemetry');
    const record: Telemetry = {
      id: 'x1',
      source: 's',
      entity: 'e',
      ts: 1_700_000_000_000,
      values: { a: 1.5 },
      attrs: { k: 'v' },
    };
    const bytes = codec.encode<'vigil.Telemetry'>(topic, record);
    assert.equal(bytes[0], 0);
    assert.equal(bytes.readUInt32BE(1), id);

    // A second codec has no local knowledge of the id: it must fetch the writer schema.
    const reader = new AvroCodec({ registryUrl });
    assert.equal(reader.decodeKnown(bytes), undefined);
    const decoded = await reader.decode(bytes);
    assert.equal(decoded.schemaId, id);
    assert.deepEqual(JSON.parse(JSON.stringify(decoded.value)), record);
    // From then on it decodes without a promise, and reports a broken body the same way.
    assert.deepEqual(reader.decodeKnown(bytes), decoded);
    assert.throws(() => reader.decodeKnown(writeWire(id, Buffer.from([0xff, 0xff]))), {
      code: 'VIGIL_AVRO_MALFORMED',
    });
  });

  it('hands out the body of a record written with the local schema itself, and of no other', async () => {
    const writer = new AvroCodec({ registryUrl });
    const alerts = uniqueName('codec-alert');
    const other = uniqueName('codec-other');
    subjects.push(valueSubject(alerts), valueSubject(other));
    await writer.registerTopic(alerts, 'vigil.Alert');
    // An Alert writer schema that differs from the local one (a field fewer, as an older producer might write).
    const local = loadSchemas().get('vigil.Alert')?.definition as { fields: { name: string }[] };
    const older = avro.Type.forSchema({
      ...local,
      fields: local.fields.filter((field) => field.name !== 'features'),
    } as avro.Schema);
    const olderId = await fetch(`${registryUrl}/subjects/${encodeURIComponent(valueSubject(other))}/versions`, {
      method: 'POST',
      headers: { 'content-type': 'application/vnd.schemaregistry.v1+json' },
      body: JSON.stringify({ schema: JSON.stringify(older.schema()) }),
    }).then(async (response) => ((await response.json()) as { id: number }).id);
    const alert: Alert = {
      id: 'a1',
      source: 's',
      entity: 'e',
      ts: 1_700_000_000_000,
      ingestedAt: 1_700_000_000_001,
      values: { a: 1.5 },
      attrs: {},
      features: { 'a.mean': 1.25 },
      origin: { topic: 't', partition: 0, offset: '5', format: 'JSON' },
    };
    const same = writer.encode<'vigil.Alert'>(alerts, alert);
    const { features: _features, ...withoutFeatures } = alert;
    const differing = writeWire(olderId, older.toBuffer(withoutFeatures));

    const reader = new AvroCodec({ registryUrl });
    // Not known before the record was decoded once.
    assert.equal(reader.bodyIfLocal(same, 'vigil.Alert'), undefined);
    await reader.decodeAs(same, 'vigil.Alert');
    await reader.decodeAs(differing, 'vigil.Alert');
    const localType = loadSchemas().get('vigil.Alert')?.type as avro.Type;
    assert.deepEqual(reader.bodyIfLocal(same, 'vigil.Alert'), localType.toBuffer(alert));
    assert.equal(reader.bodyIfLocal(differing, 'vigil.Alert'), undefined);
  });

  it('encodes records larger than its scratch buffer, each into bytes of its own', async () => {
    const codec = new AvroCodec({ registryUrl });
    const topic = uniqueName('codec-big');
    subjects.push(valueSubject(topic));
    await codec.registerTopic(topic, 'vigil.Telemetry');
    const small: Telemetry = { id: 's', source: 's', entity: 'e', ts: 1, values: { a: 1 }, attrs: {} };
    const big: Telemetry = { ...small, id: 'b', attrs: { text: 'x'.repeat(200_000) } };
    const first = codec.encode<'vigil.Telemetry'>(topic, small);
    const copy = Buffer.from(first);
    const large = codec.encode<'vigil.Telemetry'>(topic, big);
    const again = codec.encode<'vigil.Telemetry'>(topic, small);
    assert.deepEqual(first, copy, 'a later encode must not change earlier bytes');
    assert.deepEqual(again, first);
    const type = loadSchemas().get('vigil.Telemetry')?.type as avro.Type;
    assert.deepEqual(large, writeWire(codec.schemaIdFor(topic), type.toBuffer(big)));
    assert.deepEqual(JSON.parse(JSON.stringify((await codec.decode(large)).value)), big);
  });

  it('checks each schema against the BACKWARD rule for its previous version', async () => {
    const codec = new AvroCodec({ registryUrl });
    const topic = uniqueName('compat');
    const subject = valueSubject(topic);
    subjects.push(subject);
    await codec.registerTopic(topic, 'vigil.Alert');
    // The committed schema against itself as the previous version: compatible.
    assert.deepEqual((await codec.checkCompatibility(subject, 'vigil.Alert')).compatible, true);

    // A next version that adds a field without a default breaks BACKWARD: readers of the
    // new schema cannot read old records. The registry must say so.
    const alert = loadSchemas().get('vigil.Alert')?.definition as { fields: unknown[] };
    const broken = new Map(loadSchemas());
    const brokenDefinition = { ...alert, fields: [...alert.fields, { name: 'mandatory', type: 'string' }] };
    const type = avro.Type.forSchema(brokenDefinition as avro.Schema);
    broken.set('vigil.Alert', {
      fullName: 'vigil.Alert',
      file: 'alert.avsc',
      definition: brokenDefinition as avro.Schema,
      type,
    });
    const next = new AvroCodec({ registryUrl, schemas: broken });
    const verdict = await next.checkCompatibility(subject, 'vigil.Alert');
    assert.equal(verdict.compatible, false);
    await assert.rejects(next.registerTopic(topic, 'vigil.Alert'), { code: 'VIGIL_AVRO_SCHEMA_INCOMPATIBLE' });
  });

  it('remembers unknown schema ids instead of asking the registry for every record', async () => {
    let now = 0;
    let requests = 0;
    const codec = new AvroCodec({ registryUrl, now: () => now, unknownIdTtlMs: 1000 });
    const originalFetch = globalThis.fetch;
    globalThis.fetch = (async (...args: Parameters<typeof fetch>) => {
      requests++;
      return originalFetch(...args);
    }) as typeof fetch;
    try {
      const bytes = writeWire(2_000_000_000, Buffer.from([2, 0]));
      for (let i = 0; i < 5; i++) await assert.rejects(codec.decode(bytes), { code: 'VIGIL_AVRO_UNKNOWN_SCHEMA' });
      assert.equal(requests, 1);
      now = 1001;
      await assert.rejects(codec.decode(bytes), { code: 'VIGIL_AVRO_UNKNOWN_SCHEMA' });
      assert.equal(requests, 2);
    } finally {
      globalThis.fetch = originalFetch;
    }
  });

  it('turns an unreachable registry into the retriable VIGIL_REGISTRY_UNAVAILABLE', async () => {
    const codec = new AvroCodec({ registryUrl: 'http://127.0.0.1:9/apis/ccompat/v7' });
    await assert.rejects(codec.decode(writeWire(1, Buffer.from([0]))), {
      code: 'VIGIL_REGISTRY_UNAVAILABLE',
      retriable: true,
    });
    await assert.rejects(codec.registerTopic('t', 'vigil.Alert'), { code: 'VIGIL_REGISTRY_UNAVAILABLE' });
  });

  it('decodeOrReject: the decoded record, or the dead letter with the Avro code and reason', async () => {
    const writer = new AvroCodec({ registryUrl });
    const topic = uniqueName('reject');
    subjects.push(valueSubject(topic));
    const id = await writer.registerTopic(topic, 'vigil.Telemetry');
    const record: Telemetry = { id: 'r', source: 's', entity: 'e', ts: 1, values: { a: 2 }, attrs: {} };
    const good = writer.encode<'vigil.Telemetry'>(topic, record);
    const reader = new AvroCodec({ registryUrl });

    // Writer schema not known yet: a promise; known from then on: the result itself.
    const first = decodeOrReject(reader, good);
    assert.ok(first instanceof Promise);
    assert.deepEqual(await first, { ok: true, value: { schemaId: id, value: reader.decodeKnown(good)?.value } });
    const again = decodeOrReject(reader, good);
    assert.ok(!(again instanceof Promise) && again.ok);
    assert.deepEqual(JSON.parse(JSON.stringify(again.value.value)), record);
    const typed = await decodeOrReject(reader, good, 'vigil.Telemetry');
    assert.ok(typed.ok);
    assert.equal(typed.value.entity, 'e');

    const broken = await decodeOrReject(reader, writeWire(id, Buffer.from([0xff, 0xff])), 'vigil.Telemetry');
    assert.ok(!broken.ok);
    assert.equal(broken.deadLetter.kind, 'DEAD_LETTER');
    assert.equal(broken.deadLetter.code, 'VIGIL_AVRO_MALFORMED');
    assert.match(broken.deadLetter.message, new RegExp(`schema id ${id} as vigil.Telemetry`));
    const unknown = await decodeOrReject(reader, writeWire(2_000_000_001, Buffer.from([0])));
    assert.deepEqual(unknown, {
      ok: false,
      deadLetter: {
        kind: 'DEAD_LETTER',
        code: 'VIGIL_AVRO_UNKNOWN_SCHEMA',
        message: 'schema id 2000000001 is not in the registry',
      },
    });
  });

  it('decodes into a local reader schema across versions', async () => {
    const codec = new AvroCodec({ registryUrl });
    const topic = uniqueName('resolve');
    subjects.push(valueSubject(topic));
    await codec.registerTopic(topic, 'vigil.Alert');
    const alert: Alert = {
      id: 'a',
      source: 's',
      entity: 'e',
      ts: 1,
      ingestedAt: 2,
      values: { v: 1 },
      attrs: {},
      features: {},
      origin: { topic: 't', partition: 0, offset: '7', format: 'AVRO' },
    };
    const decoded = await new AvroCodec({ registryUrl }).decodeAs(
      codec.encode<'vigil.Alert'>(topic, alert),
      'vigil.Alert',
    );
    assert.deepEqual(JSON.parse(JSON.stringify(decoded)), alert);
  });
});
