import type { Command } from 'commander';
import { type DeadLetterEntry, readDeadLetters } from '../../adapters/kafka/dead-letter-reader';
import { positiveIntOption } from '../cli-options';
import { openCommandRuntime } from '../command-runtime';

const clip = (text: string | null, width: number): string => {
  const t = (text ?? '-').replace(/\s+/g, ' ');
  return t.length > width ? `${t.slice(0, width - 1)}…` : t;
};

export function renderDeadLetters(topic: string, entries: DeadLetterEntry[], total: number): string {
  if (total === 0) return `${topic} is empty`;
  const header = ['offset', 'key', 'origin (topic/partition@offset)', 'reason', 'follower', 'failed at'];
  const rows = entries.map((e) => [
    `${e.partition}@${e.offset}`,
    clip(e.key, 24),
    `${e.originTopic ?? '?'}/${e.originPartition ?? '?'}@${e.originOffset ?? '?'}`,
    clip(e.reason, 60),
    e.follower ?? '-',
    e.failedAt ?? '-',
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: string[]) => cells.map((c, i) => c.padEnd(widths[i] ?? 0)).join('  ').trimEnd();
  const shown = entries.length < total ? ` (showing the first ${entries.length})` : '';
  return [`${topic}: ${total} dead letter(s)${shown}`, '', line(header), ...rows.map(line)].join('\n');
}

export function registerDlq(program: Command): void {
  program
    .command('dlq')
    .description('list the dead-letter topic (<topic>.dlq): poison records with their origin and the reason')
    .option('--limit <n>', 'show at most this many', positiveIntOption, 1000)
    .option('--timeout <ms>', 'give up if the end is not reached within this time', positiveIntOption, 30_000)
    .option('--json', 'print one JSON document', false)
    .action(async (opts: { limit: number; timeout: number; json: boolean }) => {
      const { runtime, close } = await openCommandRuntime();
      const topic = runtime.config.deadLetterTopic;
      try {
        const { entries, total } = await readDeadLetters(runtime.kafka, topic, { limit: opts.limit, timeoutMs: opts.timeout });
        process.stdout.write(`${opts.json ? JSON.stringify({ topic, total, entries }) : renderDeadLetters(topic, entries, total)}\n`);
      } finally {
        await close();
      }
    });
}
