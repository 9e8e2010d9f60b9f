import type { ChangeEvent } from '../../src/core/change-event';
import type { LogRecord } from '../../src/core/log-record';

/** Event and record fixtures in the shapes the leader writes and Kafka delivers. */
export function changeEvent(overrides: Partial<ChangeEvent> = {}): ChangeEvent {
  return {
    v: 2,
    term: 1,
    op: 'put',
    key: 'user:1',
    version: 1,
    value: { name: 'Ada' },
    committedAt: 1_700_000_000_000,
    writeId: 'w-1',
    ...overrides,
  };
}

export function logRecord(event: ChangeEvent | string, offset: number, partition = 0): LogRecord {
  const value = typeof event === 'string' ? event : JSON.stringify(event);
  return {
    topic: 'replog.changes',
    partition,
    offset: String(offset),
    key: typeof event === 'string' ? 'k' : event.key,
    value,
    timestamp: 1_700_000_000_000,
  };
}
