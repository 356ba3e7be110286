import { SchemaRegistry, SchemaType } from '@kafkajs/confluent-schema-registry';
import { type LoadedSchema, loadSchemas, type RecordBySchema, type SchemaName, valueSubject } from '@vigil/contracts';
import { VigilError } from '@vigil/errors';
import avro from 'avsc';
import { omitFields } from './projection.ts';
import { HEADER_LENGTH, readWireHeader, writeWireHeader } from './wire.ts';

export interface AvroCodecOptions {
  /** Base URL of the Confluent-compatible API, e.g. http://127.0.0.1:8081/apis/ccompat/v7 */
  registryUrl: string;
  /** Local schemas by full name; `schemas/*.avsc` by default. */
  schemas?: ReadonlyMap<string, LoadedSchema>;
  /** How long an id the registry did not know stays known-unknown. Default 60 s. */
  unknownIdTtlMs?: number;
  /** Clock for the negative cache (tests). */
  now?: () => number;
}

export interface DecodedRecord {
  schemaId: number;
  value: unknown;
}

export interface CompatibilityResult {
  compatible: boolean;
  messages: string[];
}

/** A reader of a local schema without some of its fields: see `AvroCodec.projection`. */
export interface Projection<N extends SchemaName = SchemaName> {
  name: N;
  omit: readonly string[];
  type: avro.Type;
  /** Names the reader in the codec's resolver cache. */
  readerKey: string;
}

interface RegisteredTopic {
  schemaId: number;
  type: avro.Type;
}

// The registry client (mappersmith underneath) reports a refused or broken
// connection as an HTTP 400 whose message carries the socket error.
const NETWORK_FAILURE = /ECONNREFUSED|ECONNRESET|ETIMEDOUT|EHOSTUNREACH|ENOTFOUND|EPIPE|socket hang up|[Tt]imeout/;

/** Status of a registry HTTP error, or undefined for network failures. */
function httpStatus(error: unknown): number | undefined {
  if (!error || typeof error !== 'object' || !('status' in error) || typeof error.status !== 'number') return undefined;
  if (error.status === 400 && error instanceof Error && NETWORK_FAILURE.test(error.message)) return undefined;
  return error.status;
}

function decodeBody(schemaId: number, type: avro.Type, body: Buffer): DecodedRecord {
  try {
    return { schemaId, value: type.fromBuffer(body) };
  } catch (error) {
    throw new VigilError(
      'VIGIL_AVRO_MALFORMED',
      `cannot decode body with schema id ${schemaId}: ${(error as Error).message}`,
      { schemaId },
    );
  }
}

/**
 * Encodes and decodes Confluent wire-format Avro against a schema registry.
 *
 * Writer schemas are fetched once per id and kept; ids the registry does not
 * know are remembered for `unknownIdTtlMs`, so a stream of records with a bad
 * id does not send one request per record. A registry that cannot be reached
 * (network error or 5xx) raises the retriable VIGIL_REGISTRY_UNAVAILABLE, never
 * a per-record error, so the caller retries instead of dead-lettering.
 */
export class AvroCodec {
  readonly registryUrl: string;
  readonly schemas: ReadonlyMap<string, LoadedSchema>;
  private readonly registry: SchemaRegistry;
  private readonly unknownIdTtlMs: number;
  private readonly now: () => number;
  private readonly writerTypes = new Map<number, avro.Type>();
  private readonly pendingWriterTypes = new Map<number, Promise<avro.Type>>();
  private readonly unknownIds = new Map<number, number>();
  private readonly resolvers = new Map<string, avro.Resolver>();
  /** `schemaId:name` → whether that writer schema is the local schema `name` itself. */
  private readonly sameAsLocal = new Map<string, boolean>();
  private readonly topics = new Map<string, RegisteredTopic>();
  /** Where `encode` writes before copying out; grows when a record does not fit. */
  private scratch = Buffer.allocUnsafe(64 * 1024);

  constructor(options: AvroCodecOptions) {
    this.registryUrl = options.registryUrl.replace(/\/+$/, '');
    this.schemas = options.schemas ?? loadSchemas();
    this.unknownIdTtlMs = options.unknownIdTtlMs ?? 60_000;
    this.now = options.now ?? Date.now;
    this.registry = new SchemaRegistry({ host: this.registryUrl, retry: { retries: 1, maxRetryTimeInSecs: 1 } });
  }

  /** Creates a codec and checks that the registry answers. */
  static async connect(options: AvroCodecOptions): Promise<AvroCodec> {
    const codec = new AvroCodec(options);
    await codec.ping();
    return codec;
  }

  async ping(): Promise<void> {
    await this.request('GET', '/subjects');
  }

  schema(name: SchemaName): LoadedSchema {
    const schema = this.schemas.get(name);
    if (!schema) throw new VigilError('VIGIL_AVRO_SCHEMA_INVALID', `no local schema named ${name}`, { schema: name });
    return schema;
  }

  /**
   * Registers the local schema `name` under the topic's value subject (BACKWARD
   * compatibility) and remembers its id for `encode`. Returns the schema id.
   */
  async registerTopic(topic: string, name: SchemaName): Promise<number> {
    const schema = this.schema(name);
    let schemaId: number;
    try {
      ({ id: schemaId } = await this.registry.register(
        { type: SchemaType.AVRO, schema: JSON.stringify(schema.definition) },
        { subject: valueSubject(topic) },
      ));
    } catch (error) {
      throw this.toVigilError(error, `registering ${name} for ${topic}`);
    }
    this.topics.set(topic, { schemaId, type: schema.type });
    this.writerTypes.set(schemaId, schema.type);
    return schemaId;
  }

  /** Schema id `encode` uses for a registered topic. */
  schemaIdFor(topic: string): number {
    return this.registered(topic).schemaId;
  }

  /**
   * Wire-format bytes for `value` with the topic's registered schema. Synchronous: no registry call.
   *
   * Encodes into a reused scratch buffer, header included, and copies the
   * result once into a pooled buffer: avsc's `toBuffer` allocates a fresh
   * zero-filled, unpooled buffer per record, which at tens of thousands of
   * records a second cost more than the encoding itself.
   */
  encode<N extends SchemaName>(topic: string, value: RecordBySchema[N]): Buffer {
    const { schemaId, type } = this.registered(topic);
    let end = type.encode(value, this.scratch, HEADER_LENGTH);
    if (end < 0) {
      // avsc returns minus the bytes that did not fit: grow and encode again.
      this.scratch = Buffer.allocUnsafe(2 * (this.scratch.length - end));
      end = type.encode(value, this.scratch, HEADER_LENGTH);
    }
    writeWireHeader(this.scratch, schemaId);
    const out = Buffer.allocUnsafe(end);
    this.scratch.copy(out, 0, 0, end);
    return out;
  }

  /** Decodes with the writer schema named by the record's id. */
  async decode(buffer: Buffer): Promise<DecodedRecord> {
    const { schemaId, body } = readWireHeader(buffer);
    const type = this.writerTypes.get(schemaId) ?? (await this.writerType(schemaId));
    return decodeBody(schemaId, type, body);
  }

  /**
   * `decode` without a promise when the writer schema is already known;
   * undefined when it would have to ask the registry (then call `decode`).
   * Throws the same errors for a malformed record.
   */
  decodeKnown(buffer: Buffer): DecodedRecord | undefined {
    const { schemaId, body } = readWireHeader(buffer);
    const type = this.writerTypes.get(schemaId);
    return type === undefined ? undefined : decodeBody(schemaId, type, body);
  }

  /** Decodes into the local schema `name`, resolving from the writer schema when they differ. */
  async decodeAs<N extends SchemaName>(buffer: Buffer, name: N): Promise<RecordBySchema[N]> {
    return (await this.decodeInto(buffer, this.schema(name).type, name, name)) as RecordBySchema[N];
  }

  /**
   * The record's Avro body (the bytes after the wire header) when it was
   * written with the local schema `name` itself (same canonical form), so it
   * can be spliced unchanged into a record that embeds `name`; undefined when
   * the writer schema differs or is not known yet (decode the record first).
   */
  bodyIfLocal(buffer: Buffer, name: SchemaName): Buffer | undefined {
    const { schemaId, body } = readWireHeader(buffer);
    const key = `${schemaId}:${name}`;
    let same = this.sameAsLocal.get(key);
    if (same === undefined) {
      const writer = this.writerTypes.get(schemaId);
      if (writer === undefined) return undefined;
      same = writer.equals(this.schema(name).type);
      this.sameAsLocal.set(key, same);
    }
    return same ? body : undefined;
  }

  /**
   * A reader of the local schema `name` without the fields at `omit` (dot
   * paths: `alert.features`), for `decodeProjected`: a stage that reads a few
   * fields of large records skips the rest instead of building it.
   */
  projection<N extends SchemaName>(name: N, omit: readonly string[]): Projection<N> {
    return { name, omit, type: omitFields(this.schema(name).type, omit), readerKey: `${name}:${omit.join(',')}` };
  }

  /**
   * Decodes into a projection of a local schema, resolving from the writer
   * schema. The caller types the result (the schema's record without the
   * omitted fields); errors are those of `decodeAs`.
   */
  async decodeProjected<T>(buffer: Buffer, projection: Projection): Promise<T> {
    return (await this.decodeInto(buffer, projection.type, projection.name, projection.readerKey)) as T;
  }

  /**
   * Decodes a record with `reader` (local schema `name`, or a projection of
   * it), through a resolver from its writer schema when they are not the same
   * type; resolvers are cached by schema id and `readerKey`.
   */
  private async decodeInto(buffer: Buffer, reader: avro.Type, name: SchemaName, readerKey: string): Promise<unknown> {
    const { schemaId, body } = readWireHeader(buffer);
    const writer = this.writerTypes.get(schemaId) ?? (await this.writerType(schemaId));
    try {
      if (writer === reader) return reader.fromBuffer(body);
      const key = `${schemaId}:${readerKey}`;
      let resolver = this.resolvers.get(key);
      if (!resolver) {
        resolver = reader.createResolver(writer);
        this.resolvers.set(key, resolver);
      }
      return reader.fromBuffer(body, resolver);
    } catch (error) {
      throw new VigilError(
        'VIGIL_AVRO_MALFORMED',
        `cannot decode schema id ${schemaId} as ${name}: ${(error as Error).message}`,
        { schemaId },
      );
    }
  }

  /** Asks the registry whether the local schema `name` is compatible with the subject's latest version. */
  async checkCompatibility(subject: string, name: SchemaName): Promise<CompatibilityResult> {
    const body = JSON.stringify({ schema: JSON.stringify(this.schema(name).definition) });
    const path = `/compatibility/subjects/${encodeURIComponent(subject)}/versions/latest?verbose=true`;
    const result = (await this.request('POST', path, body)) as { is_compatible?: boolean; messages?: string[] };
    return { compatible: result.is_compatible === true, messages: result.messages ?? [] };
  }

  private registered(topic: string): RegisteredTopic {
    const registered = this.topics.get(topic);
    if (!registered) {
      throw new VigilError(
        'VIGIL_AVRO_SCHEMA_INVALID',
        `topic ${topic} has no registered schema; call registerTopic first`,
        { topic },
      );
    }
    return registered;
  }

  private writerType(schemaId: number): Promise<avro.Type> {
    const unknownUntil = this.unknownIds.get(schemaId);
    if (unknownUntil !== undefined) {
      if (unknownUntil > this.now()) {
        return Promise.reject(
          new VigilError('VIGIL_AVRO_UNKNOWN_SCHEMA', `schema id ${schemaId} is not in the registry`, { schemaId }),
        );
      }
      this.unknownIds.delete(schemaId);
    }
    let pending = this.pendingWriterTypes.get(schemaId);
    if (!pending) {
      pending = this.fetchWriterType(schemaId).finally(() => this.pendingWriterTypes.delete(schemaId));
      this.pendingWriterTypes.set(schemaId, pending);
    }
    return pending;
  }

  private async fetchWriterType(schemaId: number): Promise<avro.Type> {
    let found: { schema?: string; schemaType?: string };
    try {
      found = (await this.request('GET', `/schemas/ids/${schemaId}`)) as typeof found;
    } catch (error) {
      if (error instanceof VigilError && error.code === 'VIGIL_AVRO_UNKNOWN_SCHEMA') {
        this.unknownIds.set(schemaId, this.now() + this.unknownIdTtlMs);
        throw new VigilError('VIGIL_AVRO_UNKNOWN_SCHEMA', `schema id ${schemaId} is not in the registry`, {
          schemaId,
        });
      }
      throw error;
    }
    if ((found.schemaType ?? 'AVRO') !== 'AVRO' || typeof found.schema !== 'string') {
      this.unknownIds.set(schemaId, this.now() + this.unknownIdTtlMs);
      throw new VigilError('VIGIL_AVRO_UNKNOWN_SCHEMA', `schema id ${schemaId} is not an Avro schema`, { schemaId });
    }
    let type: avro.Type;
    try {
      type = avro.Type.forSchema(JSON.parse(found.schema) as avro.Schema);
    } catch (error) {
      this.unknownIds.set(schemaId, this.now() + this.unknownIdTtlMs);
      throw new VigilError('VIGIL_AVRO_UNKNOWN_SCHEMA', `schema id ${schemaId} does not parse as Avro`, {
        schemaId,
        cause: error,
      });
    }
    this.writerTypes.set(schemaId, type);
    return type;
  }

  /** One JSON request to the registry with errors mapped to Vigil codes. */
  private async request(method: string, path: string, body?: string): Promise<unknown> {
    let response: Response;
    try {
      response = await fetch(`${this.registryUrl}${path}`, {
        method,
        headers: { 'content-type': 'application/vnd.schemaregistry.v1+json', accept: 'application/json' },
        body,
        signal: AbortSignal.timeout(5_000),
      });
    } catch (error) {
      throw new VigilError('VIGIL_REGISTRY_UNAVAILABLE', `schema registry at ${this.registryUrl} is unreachable`, {
        cause: error,
        path,
      });
    }
    const text = await response.text();
    if (response.status === 404 && path.startsWith('/schemas/ids/')) {
      throw new VigilError('VIGIL_AVRO_UNKNOWN_SCHEMA', `registry does not know ${path}`, { path });
    }
    if (response.status >= 500 || response.status === 429) {
      throw new VigilError(
        'VIGIL_REGISTRY_UNAVAILABLE',
        `schema registry answered ${response.status} for ${method} ${path}`,
        { path, status: response.status },
      );
    }
    if (!response.ok) {
      throw new VigilError(
        'VIGIL_AVRO_SCHEMA_INVALID',
        `schema registry answered ${response.status} for ${method} ${path}: ${text.slice(0, 300)}`,
        { path, status: response.status },
      );
    }
    return text.length > 0 ? JSON.parse(text) : null;
  }

  private toVigilError(error: unknown, doing: string): VigilError {
    if (error instanceof VigilError) return error;
    const status = httpStatus(error);
    if (status === undefined || status >= 500 || status === 429) {
      return new VigilError('VIGIL_REGISTRY_UNAVAILABLE', `schema registry unavailable while ${doing}`, {
        cause: error,
        status,
      });
    }
    if (status === 409)
      return new VigilError('VIGIL_AVRO_SCHEMA_INCOMPATIBLE', `schema rejected as incompatible while ${doing}`, {
        cause: error,
      });
    return new VigilError('VIGIL_AVRO_SCHEMA_INVALID', `schema registry answered ${status} while ${doing}`, {
      cause: error,
      status,
    });
  }
}
