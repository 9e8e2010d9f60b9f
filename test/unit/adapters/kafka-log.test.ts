import { logLevel } from 'kafkajs';
import { kafkaLogLine } from '../../../src/adapters/kafka/kafka-client';

/** The `log` field of a kafkajs log entry, as kafkajs builds it. */
const entry = (message: string, extra: Record<string, unknown> = {}) => ({
  message,
  timestamp: '2024-05-01T12:00:00.000Z',
  logger: 'kafkajs',
  ...extra,
});

describe('kafkajs log lines', () => {
  it('given any entry, drops the keys the logger reserves (no "reserved key" warning on every command) and any SASL block', () => {
    const line = kafkaLogLine(logLevel.INFO, entry('Starting', { groupId: 'g', sasl: { password: 'secret' } }) as never);
    expect(line).toEqual({ level: 'info', message: 'Starting', extra: { groupId: 'g' } });
  });

  it('given the notices kafkajs prints for every producer, keeps them at debug', () => {
    const partitioner = 'KafkaJS v2.0.0 switched default partitioner. To retain the same partitioning behavior as in previous versions…';
    expect(kafkaLogLine(logLevel.WARN, entry(partitioner) as never).level).toBe('debug');
    expect(kafkaLogLine(logLevel.WARN, entry('Limiting retries for the idempotent producer may invalidate EoS guarantees') as never).level).toBe('debug');
  });

  it('given failures replog recovers from, a warning; anything else at ERROR stays an error', () => {
    expect(kafkaLogLine(logLevel.ERROR, entry('Response Heartbeat(key: 12, version: 3)', { error: 'The coordinator is not aware of this member' }) as never).level).toBe('warn');
    expect(kafkaLogLine(logLevel.ERROR, entry('Crash: KafkaJSNonRetriableError: The coordinator is not aware of this member') as never).level).toBe('warn');
    expect(kafkaLogLine(logLevel.ERROR, entry('Response Produce(key: 0, version: 7)', { error: 'Topic authorization failed' }) as never).level).toBe('error');
  });
});
