import { parseArgs } from 'node:util';
import type { StorePlacement } from './bench-stack';
import { measureCatchUp } from './catch-up';

/**
 * The replay rate next to the store's raw bulk rate, measured in one run on this machine:
 *   npx tsx bench/replay-rate.ts [--events 100000] [--keys 100000] [--store process|in-process|<url>]
 * It uses `replog bench`'s catch-up section (bench/catch-up.ts): a fresh topic filled with
 * `events` change events, `replog replay --rebuild` (replayFollower) into an empty follower with
 * no live consumer, then raw BatchWriteItem of the same items into the same dynalite, both with
 * the same write concurrency. With as many keys as events, both write every event as one item.
 */
async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      events: { type: 'string', default: '100000' },
      keys: { type: 'string' },
      store: { type: 'string', default: 'process' },
    },
  });
  const events = Number(values.events);
  const keys = Number(values.keys ?? values.events);
  if (!Number.isInteger(events) || events < 1 || !Number.isInteger(keys) || keys < 1 || keys > events) {
    throw new Error('--events and --keys must be whole numbers with 1 <= keys <= events');
  }
  const store: StorePlacement =
    values.store === 'process' || values.store === 'in-process' ? values.store : { endpoint: String(values.store) };

  let phaseStarted = Date.now();
  let lastShown = 0;
  const result = await measureCatchUp({
    store,
    kafkaBrokers: process.env.KAFKA_BROKERS,
    events,
    keySpace: keys,
    onPhase: (phase, total) => {
      process.stderr.write(`${phase} (${total.toLocaleString('en-US')})…\n`);
      phaseStarted = Date.now();
    },
    onProgress: (done) => {
      const now = Date.now();
      if (now - lastShown < 5000) return;
      lastShown = now;
      process.stderr.write(`  ${done.toLocaleString('en-US')} after ${((now - phaseStarted) / 1000).toFixed(0)} s\n`);
    },
  });
  process.stderr.write(`last phase took ${((Date.now() - phaseStarted) / 1000).toFixed(1)} s\n`);
  const n = (x: number) => Math.round(x).toLocaleString('en-US');
  process.stdout.write(
    [
      `replay rate: ${n(result.replay.eventsPerSec)} events/s (${n(result.events)} events over ${n(result.keys)} keys in ${result.replay.seconds} s, ${n(result.replay.written)} items written)`,
      `raw BatchWriteItem: ${n(result.rawBatchWrite.itemsPerSec)} items/s (${n(result.keys)} items in ${result.rawBatchWrite.seconds} s, ${result.rawBatchWrite.concurrency} calls in flight)`,
      `replay / raw: ${result.ratio}`,
      JSON.stringify(result),
    ].join('\n') + '\n',
  );
}

main().catch((error: unknown) => {
  process.stderr.write(`replay-rate: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exit(1);
});
