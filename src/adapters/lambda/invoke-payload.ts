import type { MSKEvent, MSKRecord } from 'aws-lambda';

/** Lambda's limit on a synchronous invocation's request payload. */
export const MAX_SYNC_PAYLOAD_BYTES = 6 * 1024 * 1024;

const sizeOf = (value: unknown) => Buffer.byteLength(JSON.stringify(value));

/**
 * Splits one delivered batch into events that each fit an Invoke payload, records kept in order,
 * as Lambda's mapping closes a batch at the payload limit before BatchSize is reached. A single
 * record larger than the limit stays alone in its event (Lambda refuses it, and the batch is retried).
 */
export function splitForInvoke(event: MSKEvent, maxBytes = MAX_SYNC_PAYLOAD_BYTES): MSKEvent[] {
  if (sizeOf(event) <= maxBytes) return [event];
  const envelope = sizeOf({ ...event, records: {} });
  const parts: MSKEvent[] = [];
  for (const [name, records] of Object.entries(event.records)) {
    let current: MSKRecord[] = [];
    let bytes = envelope + name.length + 8;
    for (const record of records) {
      const size = sizeOf(record) + 1;
      if (current.length > 0 && bytes + size > maxBytes) {
        parts.push({ ...event, records: { [name]: current } });
        current = [];
        bytes = envelope + name.length + 8;
      }
      current.push(record);
      bytes += size;
    }
    if (current.length > 0) parts.push({ ...event, records: { [name]: current } });
  }
  return parts;
}
