import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { VigilError } from '@vigil/errors';
import { createLogger } from '@vigil/logging';
import kafkajs from 'kafkajs';
import { createKafka } from './client.ts';
import { classifyFailure, kafkaCall } from './failure.ts';

// kafkajs spreads its error classes into module.exports, which Node cannot see as named ESM exports.
const {
  KafkaJSConnectionError,
  KafkaJSError,
  KafkaJSNonRetriableError,
  KafkaJSNumberOfRetriesExceeded,
  KafkaJSProtocolError,
} = kafkajs;

// kafkajs builds protocol errors from its error table entries; these mirror the entries it uses.
const protocolError = (type: string, retriable: boolean) =>
  new KafkaJSProtocolError({ type, code: 0, retriable, message: type } as unknown as string);

/** What kafkajs's retrier throws when it bails out on an error (its typings omit the cause option). */
const wrapped = (cause: Error) => Object.assign(new KafkaJSNonRetriableError(cause), { cause });

describe('classifyFailure', () => {
  it('retries a retriable VigilError under its own code and stops on a final one', () => {
    assert.deepEqual(classifyFailure(new VigilError('VIGIL_REDIS_UNAVAILABLE', 'down')), {
      kind: 'transient',
      code: 'VIGIL_REDIS_UNAVAILABLE',
    });
    assert.deepEqual(classifyFailure(new VigilError('VIGIL_CONFIG_INVALID', 'bad')), { kind: 'fatal' });
  });

  it('treats anything that is neither a VigilError nor a kafkajs error as a bug', () => {
    assert.deepEqual(classifyFailure(new TypeError('x is undefined')), { kind: 'fatal' });
    assert.deepEqual(classifyFailure('a string'), { kind: 'fatal' });
  });

  it('retries broken connections, timeouts and what kafkajs stopped retrying itself', () => {
    const transient = { kind: 'transient', code: 'VIGIL_KAFKA_UNAVAILABLE' };
    assert.deepEqual(classifyFailure(new KafkaJSConnectionError('Connection error: ECONNREFUSED')), transient);
    assert.deepEqual(classifyFailure(new KafkaJSError('The producer is disconnected')), transient);
    assert.deepEqual(classifyFailure(protocolError('LEADER_NOT_AVAILABLE', true)), transient);
    const gaveUp = new KafkaJSNumberOfRetriesExceeded(new KafkaJSConnectionError('refused'), {
      retryCount: 8,
      retryTime: 10_000,
    });
    assert.deepEqual(classifyFailure(gaveUp), transient);
  });

  it('hands group membership errors back to kafkajs, also when wrapped', () => {
    for (const type of [
      'REBALANCE_IN_PROGRESS',
      'ILLEGAL_GENERATION',
      'UNKNOWN_MEMBER_ID',
      'NOT_COORDINATOR_FOR_GROUP',
    ]) {
      assert.deepEqual(classifyFailure(protocolError(type, true)), { kind: 'group', type });
    }
    const inner = protocolError('UNKNOWN_MEMBER_ID', false);
    assert.deepEqual(classifyFailure(wrapped(inner)), {
      kind: 'group',
      type: 'UNKNOWN_MEMBER_ID',
    });
  });

  it('stops on what the broker will refuse however often it is sent', () => {
    const tooLarge = protocolError('MESSAGE_TOO_LARGE', false);
    assert.deepEqual(classifyFailure(tooLarge), { kind: 'fatal' });
    assert.deepEqual(classifyFailure(wrapped(tooLarge)), { kind: 'fatal' });
  });
});

describe('kafkaCall', () => {
  it('turns an unreachable broker into a retriable VIGIL_KAFKA_UNAVAILABLE', async () => {
    // Port 1 on loopback: nothing listens there, so the connection is refused at once.
    const kafka = createKafka({
      brokers: ['127.0.0.1:1'],
      clientId: 'kafka-call-test',
      logger: createLogger({ service: 'test', level: 'silent' }),
      overrides: { retry: { retries: 0 }, connectionTimeout: 500 },
    });
    const admin = kafka.admin();
    await assert.rejects(
      kafkaCall('admin connect', () => admin.connect()),
      (error: unknown) =>
        error instanceof VigilError && error.code === 'VIGIL_KAFKA_UNAVAILABLE' && error.retriable === true,
    );
  });

  it('passes other errors through unchanged', async () => {
    const bug = new TypeError('not a function');
    await assert.rejects(
      kafkaCall('call', async () => {
        throw bug;
      }),
      (error: unknown) => error === bug,
    );
    assert.equal(await kafkaCall('call', async () => 42), 42);
  });
});
