import assert from 'node:assert/strict';
import { execFile, spawn } from 'node:child_process';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { promisify } from 'node:util';
import { AvroCodec } from '@vigil/avro';
import { dlqTopic, type Telemetry, valueSubject } from '@vigil/contracts';
import { buildDeadLetter } from '@vigil/kafka';
import { REPO_ROOT, stackEnv, testKafka, uniqueName, waitFor } from '@vigil/test-kit';
import { Partitioners } from 'kafkajs';

const MAIN = join(REPO_ROOT, 'tools/kafka-cli/src/main.ts');
const TAIL_GROUP_PREFIX = 'vigil-kafka-tail-';
const run = promisify(execFile);

const kafka = testKafka('kafka-cli-int');
const admin = kafka.admin();
const producer = kafka.producer({ createPartitioner: Partitioners.DefaultPartitioner });
const codec = new AvroCodec({ registryUrl: stackEnv.registryUrl });
const topic = uniqueName('kafka-cli');
const dlq = dlqTopic(topic);
const committedGroup = uniqueName('kafka-cli-group');
let groupsBefore: Set<string>;

function telemetry(n: number): Telemetry {
  return {
    id: `${topic}#${n}`,
    source: 'kafka-cli-test',
    entity: 'pump-1',
    ts: Date.UTC(2026, 0, 1, 0, 0, n),
    values: { flow: n * 1.5, pressure: 2 },
    attrs: { site: 'a' },
  };
}

async function cli(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await run(process.execPath, ['--import', 'tsx', MAIN, ...args], {
      cwd: REPO_ROOT,
      env: {
        ...process.env,
        KAFKA_BROKERS: stackEnv.kafkaBrokers.join(','),
        SCHEMA_REGISTRY_URL: stackEnv.registryUrl,
      },
    });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const failed = error as { code: number; stdout: string; stderr: string };
    return { code: failed.code, stdout: failed.stdout, stderr: failed.stderr };
  }
}

const jsonLines = (text: string) =>
  text
    .split('\n')
    .filter((line) => line.length > 0)
    .map((line) => JSON.parse(line) as Record<string, unknown>);

async function tailGroups(): Promise<string[]> {
  const { groups } = await admin.listGroups();
  return groups.map((g) => g.groupId).filter((id) => id.startsWith(TAIL_GROUP_PREFIX) && !groupsBefore.has(id));
}

before(async () => {
  await admin.connect();
  await producer.connect();
  groupsBefore = new Set((await admin.listGroups()).groups.map((g) => g.groupId));
  await admin.createTopics({
    waitForLeaders: true,
    topics: [
      { topic, numPartitions: 2 },
      { topic: dlq, numPartitions: 1 },
    ],
  });
  await codec.registerTopic(topic, 'vigil.Telemetry');
  // All on partition 0, one timestamp apart, so "latest" and lag are exact.
  await producer.send({
    topic,
    messages: [1, 2, 3].map((n) => ({
      partition: 0,
      key: 'pump-1',
      value: codec.encode<'vigil.Telemetry'>(topic, telemetry(n)),
      timestamp: String(Date.UTC(2026, 0, 1, 0, 0, n)),
      headers: { trace: `t${n}` },
    })),
  });
  const bad = Buffer.from('{"entity": "pump-1", "values": ');
  const letter = buildDeadLetter({
    message: { key: Buffer.from('pump-1'), value: bad, headers: {} },
    sourceTopic: topic,
    partition: 1,
    offset: '7',
    code: 'VIGIL_INGEST_MALFORMED_JSON',
    errorMessage: 'Unexpected end of JSON input',
    stage: 'ingest',
    failedAt: new Date('2026-01-01T00:00:09.000Z'),
  });
  // A framed record whose schema id the registry does not know: shown as hex, with the reason.
  const unknownId = Buffer.from([0, 0x7f, 0xff, 0xff, 0xf0, 1, 2, 3]);
  await producer.send({ topic: letter.topic, messages: [letter.message, { key: 'pump-2', value: unknownId }] });
  await admin.setOffsets({ groupId: committedGroup, topic, partitions: [{ partition: 0, offset: '1' }] });
});

after(async () => {
  await producer.disconnect();
  await admin.deleteGroups([committedGroup]).catch(() => undefined);
  await admin.deleteTopics({ topics: [topic, dlq] }).catch(() => undefined);
  await admin.disconnect();
  const subject = `${stackEnv.registryUrl}/subjects/${encodeURIComponent(valueSubject(topic))}`;
  await fetch(subject, { method: 'DELETE' }).catch(() => undefined);
  await fetch(`${subject}?permanent=true`, { method: 'DELETE' }).catch(() => undefined);
});

describe('./vigil kafka', () => {
  it('tail --from-beginning decodes every Avro record through the registry, with its headers', async () => {
    const { code, stdout } = await cli(['tail', topic, '--from-beginning', '--json']);
    assert.equal(code, 0);
    const records = jsonLines(stdout);
    assert.deepEqual(
      records.map((r) => [r.partition, r.offset, r.key, r.headers]),
      [
        [0, '0', 'pump-1', { trace: 't1' }],
        [0, '1', 'pump-1', { trace: 't2' }],
        [0, '2', 'pump-1', { trace: 't3' }],
      ],
    );
    const schemaId = codec.schemaIdFor(topic);
    for (const [i, record] of records.entries()) {
      assert.deepEqual(record.value, { encoding: 'avro', schemaId, value: telemetry(i + 1) });
    }
    assert.deepEqual(await tailGroups(), []);
  });

  it('tail --max N shows the latest N records; the text form names the schema id', async () => {
    const json = await cli(['tail', topic, '--max', '2', '--json']);
    assert.equal(json.code, 0);
    assert.deepEqual(
      jsonLines(json.stdout).map((r) => (r.value as { value: Telemetry }).value.id),
      [`${topic}#2`, `${topic}#3`],
    );
    const text = await cli(['tail', topic, '--max', '1']);
    assert.equal(text.code, 0);
    assert.match(text.stdout, new RegExp(`^── ${topic} \\[0\\] @2  2026-01-01T00:00:03.000Z  key pump-1\\n`));
    assert.match(text.stdout, /\n {2}trace +t3\n/);
    assert.ok(text.stdout.includes(`value (Avro, schema id ${codec.schemaIdFor(topic)}): {"id":"${topic}#3"`));
  });

  it('tail of a dead-letter topic prints the dead-letter headers; undecodable values fall back to text and hex', async () => {
    const json = await cli(['tail', dlq, '--json']);
    assert.equal(json.code, 0);
    const [letter, framed] = jsonLines(json.stdout);
    assert.deepEqual(letter?.deadLetter, {
      code: 'VIGIL_INGEST_MALFORMED_JSON',
      message: 'Unexpected end of JSON input',
      stage: 'ingest',
      sourceTopic: topic,
      sourcePartition: '1',
      sourceOffset: '7',
      failedAt: '2026-01-01T00:00:09.000Z',
    });
    assert.deepEqual(letter?.value, { encoding: 'text', text: '{"entity": "pump-1", "values": ' });
    assert.equal(framed?.deadLetter, undefined);
    const value = framed?.value as { encoding: string; hex: string; bytes: number; note: string };
    assert.deepEqual([value.encoding, value.hex, value.bytes], ['hex', '007ffffff0010203', 8]);
    assert.match(value.note, /^not decodable as Avro: VIGIL_\w+: /);

    const text = await cli(['tail', dlq]);
    assert.equal(text.code, 0);
    for (const line of [
      '  vigil.error.code        VIGIL_INGEST_MALFORMED_JSON',
      '  vigil.error.stage       ingest',
      `  vigil.source.topic      ${topic}`,
      '  vigil.source.offset     7',
      '  value (text): {"entity": "pump-1", "values": ',
    ]) {
      assert.ok(text.stdout.includes(`${line}\n`), `missing line ${JSON.stringify(line)} in:\n${text.stdout}`);
    }
    assert.deepEqual(await tailGroups(), []);
  });

  it('tail --follow prints records produced after it started, and Ctrl-C leaves no group behind', async () => {
    const child = spawn(
      process.execPath,
      ['--import', 'tsx', MAIN, 'tail', topic, '--follow', '--max', '0', '--json'],
      {
        cwd: REPO_ROOT,
        env: {
          ...process.env,
          KAFKA_BROKERS: stackEnv.kafkaBrokers.join(','),
          SCHEMA_REGISTRY_URL: stackEnv.registryUrl,
        },
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    let stdout = '';
    child.stdout.on('data', (chunk: Buffer) => {
      stdout += chunk.toString();
    });
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    try {
      const groupId = await waitFor('the tail to join its group', async () => {
        const [id] = await tailGroups();
        if (id === undefined) return undefined;
        const { groups } = await admin.describeGroups([id]);
        return groups[0]?.state === 'Stable' ? id : undefined;
      });
      assert.ok(groupId.startsWith(TAIL_GROUP_PREFIX));
      await producer.send({
        topic,
        messages: [{ partition: 1, key: 'pump-1', value: codec.encode<'vigil.Telemetry'>(topic, telemetry(4)) }],
      });
      const record = await waitFor('the new record on stdout', () => jsonLines(stdout)[0]);
      assert.equal((record.value as { value: Telemetry }).value.id, `${topic}#4`);
      assert.equal(jsonLines(stdout).length, 1, 'only the record produced after the start');
    } finally {
      child.kill('SIGINT');
    }
    assert.equal(await exited, 0);
    assert.deepEqual(await tailGroups(), []);
  });

  it('topics lists the topic with its partitions, records and end offset', async () => {
    const { code, stdout } = await cli(['topics', '--match', topic, '--json']);
    assert.equal(code, 0);
    const rows = jsonLines(stdout);
    assert.deepEqual(
      rows.map((r) => [r.topic, (r.partitions as unknown[]).length]),
      [
        [topic, 2],
        [dlq, 1],
      ],
    );
    assert.deepEqual(rows[1], {
      topic: dlq,
      partitions: [{ partition: 0, low: 0, high: 2 }],
      records: 2,
      endOffset: 2,
    });
    const text = await cli(['topics', '--match', dlq]);
    assert.match(
      text.stdout,
      new RegExp(`^topic +partitions +records +end offset\\n[- ]+\\n${dlq.replace('.', '\\.')} +1 +2 +2\\n$`),
    );
  });

  it('groups shows a group with its committed offset and lag per topic', async () => {
    const { code, stdout } = await cli(['groups', '--match', committedGroup, '--json']);
    assert.equal(code, 0);
    const groups = jsonLines(stdout) as { groupId: string; members: number; topics: unknown[] }[];
    const end = (await admin.fetchTopicOffsets(topic)).reduce((sum, p) => sum + Number(p.high), 0);
    // Offset 1 committed on partition 0, nothing on partition 1: everything else is lag.
    assert.deepEqual(
      groups.map((g) => [g.groupId, g.members, g.topics.map((t) => ({ ...(t as object), partitions: undefined }))]),
      [[committedGroup, 0, [{ topic, committed: 1, end, lag: end - 1, partitions: undefined }]]],
    );
    const text = await cli(['groups', '--match', committedGroup]);
    assert.match(text.stdout, new RegExp(`\\n${committedGroup} +Empty +0 +${topic} +1 +${end} +${end - 1}\\n$`));
  });

  it('says what is wrong: an unknown option exits 2, a missing topic exits 1', async () => {
    const unknown = await cli(['tail', topic, '--since', '1h']);
    assert.equal(unknown.code, 2);
    assert.match(unknown.stderr, /^kafka: Unknown option '--since'/);
    assert.match(unknown.stderr, /Usage: \.\/vigil kafka tail TOPIC/);
    const command = await cli(['lag']);
    assert.equal(command.code, 2);
    assert.match(command.stderr, /^kafka: unknown command 'lag'/);
    const missing = await cli(['tail', `${topic}-missing`]);
    assert.equal(missing.code, 1);
    assert.match(missing.stderr, /no topic named/);
  });
});
