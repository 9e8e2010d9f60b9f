import { randomBytes } from 'node:crypto';

/** Every test file gets its own topic, tables and consumer groups, so files never see each other. */
export function uniqueNames(label: string): { topic: string; tablePrefix: string; groupPrefix: string; id: string } {
  const id = `${label.replace(/[^a-z0-9]/gi, '').toLowerCase().slice(0, 20)}-${randomBytes(4).toString('hex')}`;
  return { topic: `t-${id}`, tablePrefix: `t-${id}`, groupPrefix: `g-${id}`, id };
}

export function brokers(): string {
  return process.env.KAFKA_BROKERS ?? `127.0.0.1:${process.env.KAFKA_PORT ?? '9092'}`;
}
