import { DLQ_HEADERS } from '@vigil/contracts';
import { textTable } from '@vigil/table';
import { type DecodedValue, toJson } from './decode.ts';

/** A record as the tail prints it: where it is, its key and headers as text, its value decoded. */
export interface TailRecord {
  topic: string;
  partition: number;
  offset: string;
  /** Producer (or broker) time, epoch ms. */
  timestamp: number;
  key: string | null;
  headers: Readonly<Record<string, string>>;
  value: DecodedValue;
}

const DEAD_LETTER_NAMES: readonly string[] = Object.values(DLQ_HEADERS);

/** The dead-letter headers of a record, in the documented order; empty for a record that is not a dead letter. */
export function deadLetterHeaders(headers: Readonly<Record<string, string>>): [string, string][] {
  return DEAD_LETTER_NAMES.flatMap((name) =>
    headers[name] === undefined ? [] : [[name, headers[name]] as [string, string]],
  );
}

function valueLine(value: DecodedValue): string {
  switch (value.encoding) {
    case 'null':
      return 'value: null (tombstone)';
    case 'avro':
      return `value (Avro, schema id ${value.schemaId}): ${toJson(value.value)}`;
    case 'json':
      return `value (JSON): ${toJson(value.value)}`;
    case 'text':
      return `value (text): ${value.text}`;
    case 'hex':
      return `value (${value.bytes} bytes, hex${value.note ? `; ${value.note}` : ''}): ${value.hex}`;
  }
}

/**
 * A record for a terminal: a line saying where it is, then the dead-letter
 * headers (code, message, stage, source, time) when it carries them, other
 * headers, and the value on one line.
 */
export function formatText(record: TailRecord): string {
  const where = [
    `${record.topic} [${record.partition}] @${record.offset}`,
    new Date(record.timestamp).toISOString(),
    record.key === null ? 'no key' : `key ${record.key}`,
  ].join('  ');
  const dead = deadLetterHeaders(record.headers);
  const others = Object.entries(record.headers).filter(([name]) => !DEAD_LETTER_NAMES.includes(name));
  const lines = [`── ${where}`];
  // Dead-letter headers and the others line up as one block of name/value pairs.
  const pairs = [...dead, ...others];
  if (pairs.length > 0) lines.push(...textTable(['', ''], pairs, { rule: false }).split('\n').slice(1));
  lines.push(valueLine(record.value));
  return `${lines.map((line, i) => (i === 0 ? line : `  ${line}`)).join('\n')}\n`;
}

/** A record as one JSON line: `deadLetter` holds the dead-letter headers by their short names. */
export function formatJson(record: TailRecord): string {
  const deadLetter: Record<string, string> = {};
  for (const [short, name] of Object.entries(DLQ_HEADERS)) {
    const value = record.headers[name];
    if (value !== undefined) deadLetter[short] = value;
  }
  return `${toJson({
    topic: record.topic,
    partition: record.partition,
    offset: record.offset,
    timestamp: new Date(record.timestamp).toISOString(),
    key: record.key,
    headers: record.headers,
    ...(Object.keys(deadLetter).length > 0 ? { deadLetter } : {}),
    value: record.value,
  })}\n`;
}
