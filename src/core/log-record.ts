import { type ChangeEvent, decodeChangeEvent } from './change-event';
import { PoisonEventError } from './errors';
import { decodeFence, type FenceRecord, isFenceKey } from './fence';

/** One record as a consumer sees it, whatever transport delivered it (Lambda ESM, local runner, replay). */
export interface LogRecord {
  topic: string;
  partition: number;
  offset: string;
  /** UTF-8 text of the key and value; null when absent or when the bytes are not valid UTF-8. */
  key: string | null;
  value: string | null;
  timestamp: number;
  /** The bytes exactly as delivered, kept so a dead letter carries what was really received. */
  rawKey?: Uint8Array | null;
  rawValue?: Uint8Array | null;
  /** The record's headers as text, when delivered with them (the W3C trace context travels in `traceparent`). */
  headers?: Readonly<Record<string, string>>;
}

// ignoreBOM keeps a leading U+FEFF: it is part of the text (a key may be exactly "\ufeff").
const strictUtf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

/**
 * A record's key or value as text. Invalid UTF-8 becomes null instead of U+FFFD, so a mangled
 * record can never pass as a valid one; no bytes (or none at all) is null too.
 */
export function recordText(bytes: Uint8Array | null | undefined): string | null {
  if (!bytes || bytes.length === 0) return null;
  try {
    return strictUtf8.decode(bytes);
  } catch {
    return null;
  }
}

/**
 * The change event a record carries, or a PoisonEventError saying why it carries none. The live
 * followers and the replay decode with this one function, so a record one of them calls poison is
 * poison to the other too.
 */
export function decodeLogRecord(record: LogRecord): ChangeEvent {
  if (record.value === null) {
    throw new PoisonEventError(record.rawValue?.length ? 'record value is not valid UTF-8' : 'record has no value');
  }
  if (record.key === null && record.rawKey?.length) throw new PoisonEventError('record key is not valid UTF-8');
  return decodeChangeEvent(record.value, record.key);
}

/** A record that carries no change event, and why. */
export interface PoisonRecord {
  record: LogRecord;
  reason: string;
}

/** What a valid record carries: a change event, or a term's fence (core/fence.ts). */
export type LogEntry = { kind: 'event'; record: LogRecord; event: ChangeEvent } | { kind: 'fence'; record: LogRecord; fence: FenceRecord };

/** A record as an entry; a record under a fence key that is not a fence is poison like any other. */
export function decodeLogEntry(record: LogRecord): LogEntry {
  if (isFenceKey(record.key)) {
    if (record.value === null) throw new PoisonEventError('fence record has no value');
    return { kind: 'fence', record, fence: decodeFence(record.value, record.key as string) };
  }
  return { kind: 'event', record, event: decodeLogRecord(record) };
}

/** The entries a batch carries, in log order, its events alone, and its poison records apart. */
export function decodeLogRecords(records: readonly LogRecord[]): { entries: LogEntry[]; events: ChangeEvent[]; poison: PoisonRecord[] } {
  const entries: LogEntry[] = [];
  const poison: PoisonRecord[] = [];
  for (const record of records) {
    try {
      entries.push(decodeLogEntry(record));
    } catch (error) {
      if (!(error instanceof PoisonEventError)) throw error;
      poison.push({ record, reason: error.message });
    }
  }
  const events = entries.flatMap((e) => (e.kind === 'event' ? [e.event] : []));
  return { entries, events, poison };
}
