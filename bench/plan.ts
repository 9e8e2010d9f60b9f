import type { BenchRequest } from '../src/cli/commands/bench';
import type { LeaderFailoverPlan } from './leader-failover';
import type { LogClusterPlan } from './log-cluster';

/** The sizes of one run: a full run for the figures, a quick one (under a minute) to check the machinery. */
export interface BenchPlan {
  floor: { samples: number; warmup: number };
  /** `measureMs` per mode and concurrency in all, split over `rounds` turns with a warm-up each. */
  latency: { modes: string[]; concurrencies: number[]; rounds: number; warmupMs: number; measureMs: number; keySpace: number };
  /** `lightRatePerSec`: a second, lighter load, to show the lag when the machine is not saturated. */
  /** The offered rate is half the highest measured write throughput unless --rate says otherwise (`rateFrom` says which). */
  lag: { ratePerSec: number; lightRatePerSec: number; durationMs: number; rateFrom?: string };
  /** How long the raw conditional writes run to measure the store's capacity. */
  capacity: { durationMs: number };
  /** A burst of async writes, a fresh key each: the outbox marks it leaves and the relay's republishes. */
  outbox: { writes: number; clients: number };
  catchUp: { events: number; keySpace: number };
  /** A second, larger catch-up (full runs without --events): a rebuild's fixed phases matter less as it grows. */
  catchUpLarge?: { events: number; keySpace: number };
  /** `replog verify` of a live follower with `tampered` real differences among `keys` items. */
  verify: { keys: number; tampered: number };
  failover: { writesBeforeKill: number; maxWaitMs: number };
  /** Unplanned leader failovers (the leader's store SIGKILLed), semi-sync and async interleaved, and the lossless-read cost. */
  leaderFailover: LeaderFailoverPlan;
  switchover: { switchovers: number; clients: number; keys: number; steadyMs: number };
  /** The 1-broker log next to a local 3-broker cluster (RF 3, min ISR 2), the same replog on each. */
  cluster: LogClusterPlan;
}

/** The apply-lag rate when neither --rate nor a measured throughput gives one. */
const DEFAULT_LAG_RATE = 300;

export function planFor(request: BenchRequest): BenchPlan {
  const modes = ['async', 'semi-sync', 'sync', 'quorum:2'];
  if (request.quick) {
    return {
      floor: { samples: 40, warmup: 10 },
      latency: { modes, concurrencies: [1, 16, 64], rounds: 1, warmupMs: 200, measureMs: 800, keySpace: 10_000 },
      lag: { ratePerSec: request.lagRate ?? DEFAULT_LAG_RATE, lightRatePerSec: 50, durationMs: 2000 },
      capacity: { durationMs: 1000 },
      outbox: { writes: 2000, clients: 64 },
      catchUp: { events: request.catchUpEvents ?? 2000, keySpace: request.catchUpEvents ?? 2000 },
      verify: { keys: 2000, tampered: 100 },
      failover: { writesBeforeKill: 5, maxWaitMs: 30_000 },
      leaderFailover: { semiSyncRuns: 1, asyncRuns: 1, asyncBacklogRuns: 1, backlogMs: 2000, clients: 4, keys: 100, writesBeforeKill: 50, writesAfter: 20, readMs: 1000, readersPerSide: 2, maxWaitMs: 30_000 },
      switchover: { switchovers: 2, clients: 4, keys: 200, steadyMs: 2000 },
      cluster: { produceSamples: 40, modes: ['async', 'semi-sync'], concurrencies: [1, 8], rounds: 1, warmupMs: 200, measureMs: 1000, keySpace: 10_000 },
    };
  }
  return {
    floor: { samples: 400, warmup: 50 },
    latency: { modes, concurrencies: [1, 16, 64], rounds: 4, warmupMs: 500, measureMs: 8000, keySpace: 100_000 },
    lag: { ratePerSec: request.lagRate ?? DEFAULT_LAG_RATE, lightRatePerSec: 50, durationMs: 20_000 },
    capacity: { durationMs: 5000 },
    outbox: { writes: 50_000, clients: 64 },
    catchUp: { events: request.catchUpEvents ?? 50_000, keySpace: request.catchUpEvents ?? 50_000 },
    ...(request.catchUpEvents === undefined ? { catchUpLarge: { events: 200_000, keySpace: 200_000 } } : {}),
    verify: { keys: 50_000, tampered: 100 },
    failover: { writesBeforeKill: 50, maxWaitMs: 60_000 },
    leaderFailover: { semiSyncRuns: 5, asyncRuns: 3, asyncBacklogRuns: 2, backlogMs: 10_000, clients: 8, keys: 200, writesBeforeKill: 300, writesAfter: 200, readMs: 4000, readersPerSide: 2, maxWaitMs: 60_000 },
    switchover: { switchovers: 6, clients: 8, keys: 400, steadyMs: 8000 },
    cluster: { produceSamples: 400, modes: ['async', 'semi-sync'], concurrencies: [1, 8], rounds: 4, warmupMs: 500, measureMs: 8000, keySpace: 100_000 },
  };
}
