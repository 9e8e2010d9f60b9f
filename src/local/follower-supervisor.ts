import { replicaIds } from '../core/control-state';
import { hostname } from 'node:os';
import { leaderTableDefinition } from '../adapters/dynamodb/table-definitions';
import { ensureTables } from '../adapters/dynamodb/table-provisioner';
import { FollowerConsumer } from '../adapters/kafka/follower-consumer';
import { ConsumerLifecycle } from '../core/consumer-state';
import type { Log } from '../core/ports';
import { leaseIsHeld } from '../core/replay-journal';
import { createFollowerHandler } from '../functions/follower-apply';
import type { Runtime } from '../functions/runtime';

/** How often the local runtime re-reads the control state and the replay journals. */
const RECONCILE_MS = 1000;

/**
 * Keeps this process's follower consumers in line with the control state, as a deploy does in
 * the cloud: a follower registered with `replog follower add` starts within a second, a removed
 * one stops, and a follower whose replay holds the lease is stopped until the replay hands over
 * (its consumer group must be the replay's alone). `wanted` is 'all' (replog dev) or fixed ids
 * (replog follower --id).
 */
export class FollowerSupervisor {
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> = Promise.resolve();
  private stopped = false;

  constructor(
    private readonly runtime: Runtime,
    private readonly wanted: 'all' | readonly string[],
    readonly consumers: Map<string, FollowerConsumer>,
    private readonly log: Log,
    private readonly onBatch?: Parameters<typeof createFollowerHandler>[2],
  ) {}

  async start(): Promise<void> {
    await this.reconcile(true);
    // Not unref'd: while every follower of this process is stopped (a deposed leader waiting for
    // its rewind, a follower whose replay holds its group, one removed until it is added again)
    // this timer is all that keeps the process alive to start it again. Unref'd, the event loop
    // ran dry there and `replog follower --id main` exited before its replica rejoined. stop() clears it.
    this.timer = setInterval(() => {
      this.running = this.running
        .then(() => this.reconcile(false))
        .catch((error: unknown) => this.log.warn('follower reconcile failed; retrying', { error }));
    }, RECONCILE_MS);
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearInterval(this.timer);
    await this.running;
    await Promise.all([...this.consumers.values()].map((c) => c.stop()));
  }

  private async reconcile(initial: boolean): Promise<void> {
    if (this.stopped) return;
    const state = await this.runtime.roster.refresh();
    // Every replica consumes, the leader too: it skips what it wrote (the terms it led) and is
    // caught up the moment a switchover makes it a follower (and the sync follower) again.
    const known = replicaIds(state);
    if (initial && this.wanted !== 'all') {
      const unknown = this.wanted.filter((id) => !known.includes(id));
      if (unknown.length > 0) throw new Error(`${unknown.join(', ')} is not a replica (${known.join(', ')})`);
    }
    const journals = await this.runtime.replayJournal.list();
    const now = Date.now();
    const replaying = new Set(journals.filter((j) => leaseIsHeld(j, now)).map((j) => j.followerId));
    const desired = (this.wanted === 'all' ? known : this.wanted.filter((id) => known.includes(id))).filter((id) => !replaying.has(id));

    const rewinding = new Set((state.rewinding ?? []).map((r) => r.replica));
    for (const [id, consumer] of this.consumers) {
      if (desired.includes(id) || this.stopped) continue;
      this.consumers.delete(id);
      await consumer.stop();
      if (rewinding.has(id)) {
        // Not an error, but an operator must act unless REPLOG_AUTO_REJOIN does: say so where they look.
        this.log.warn(`follower stopped: ${id} lost its leadership in a failover and waits for its rewind (replog rejoin ${id}); it consumes again once rejoined`, {
          followerId: id,
        });
      } else {
        this.log.info(replaying.has(id) ? 'follower stopped while a replay owns its group' : 'follower stopped: no longer registered', { followerId: id });
      }
    }
    for (const id of desired) {
      if (this.consumers.has(id) || this.stopped) continue;
      if (!initial) await ensureTables(this.runtime.replicaClient(id), [leaderTableDefinition(this.runtime.config.tables.replica(id))]);
      const consumer = this.consumerFor(id);
      try {
        await consumer.start();
      } catch (error) {
        // Leave no half-joined member behind; the next round tries again.
        await consumer.stop();
        throw error;
      }
      this.consumers.set(id, consumer);
      if (!initial) this.log.info('follower started', { followerId: id, groupId: this.runtime.config.groupId(id) });
    }
  }

  private consumerFor(id: string): FollowerConsumer {
    const { config } = this.runtime;
    return new FollowerConsumer(this.runtime.kafka, {
      groupId: config.groupId(id),
      topic: config.topic,
      bootstrapServers: config.kafka.brokers.join(','),
      handler: createFollowerHandler(() => this.runtime, () => id, this.onBatch),
      log: this.runtime.log(`follower:${id}`),
      lifecycle: new ConsumerLifecycle(id, `${hostname()}:${process.pid}`, Date.now),
      report: (report) => this.runtime.consumerStates.save(report),
      sessionTimeoutMs: config.followerSessionTimeoutMs,
      ...(config.faults.commitDelayMs > 0 ? { commitDelayMs: config.faults.commitDelayMs } : {}),
    });
  }
}
