import type { OutboxBurstResult } from './outbox-burst';
import type { ApplyLagResult } from './apply-lag';
import type { FloorResult } from './floor';
import type { LeaderFailoverResult } from './leader-failover-summary';
import type { LogClusterResult } from './log-cluster';
import type { MachineInfo } from './machine';
import type { StoreCapacity } from './store-capacity';
import type { VerifySettleResult } from './verify-settle';
import type { BenchPlan } from './plan';
import type { WriteCell } from './write-latency';

export interface CatchUpResult {
  events: number;
  keys: number;
  /** Replay into an empty follower, through replog's replay. */
  /** `phasesMs`: where the replay's time went (core/replay.ts); all but `read` is fixed cost. */
  replay: { seconds: number; eventsPerSec: number; written: number; phasesMs?: Record<string, number> };
  /** Raw BatchWriteItem of the same items into the same store, the store's own bulk ceiling. */
  rawBatchWrite: { seconds: number; itemsPerSec: number; concurrency: number };
  ratio: number;
  /** A tuned Scan+BatchWriteItem copy of a table holding the same newest items into an empty one. */
  copy?: { seconds: number; itemsPerSec: number; segments: number; inFlight: number; items: number };
  /** Replay end to end against that copy: copy seconds / replay seconds (≥ 1: the rebuild is faster). */
  replayOverCopy?: number;
}

export interface FailoverResult {
  syncTimeoutMs: number;
  killed: string;
  replacement: string | undefined;
  /** SIGKILL of the sync follower's process → first write acknowledged by its replacement. */
  failoverMs: number | undefined;
  writesDuring: number;
  degradedDuring: number;
  failedDuring: number;
  /** The longest write latency around the failover (the write that waited for the timeout). */
  slowestWriteMs: number;
  note?: string;
}

export interface SwitchoverResult {
  switchovers: number;
  clients: number;
  /** Begin → the new leader takes writes, as each switchover reported it. */
  pauseMs: { p50: number; max: number; each: number[] };
  /** The slowest client write that overlapped each move. */
  clientSlowestWriteMs: number[];
  writesAcked: number;
  refused: number;
  keysChecked: number;
  /** Acknowledged versions missing on some replica after the moves (must be 0). */
  lost: number;
  /** What the term check cost each write under steady load, same run. */
  termCheck: { writes: number; meanMs: number; controlReadsPerWrite: number; steadyWriteP50Ms: number };
}

export interface Target {
  name: string;
  goal: string;
  actual: string;
  met: boolean | undefined;
}

export interface BenchResults {
  tool: 'replog bench';
  quick: boolean;
  startedAt: string;
  finishedAt: string;
  durationSec: number;
  machine: MachineInfo & { loadAverageAfter: [number, number, number] };
  setup: { store: string; kafka: string; followers: string[]; ackPollMs: number; syncTimeoutMs: number; partitions: number };
  plan: BenchPlan;
  floor?: FloorResult;
  /** The floor's sums measured again after the write-latency cells, to show drift. */
  floorAfter?: { asyncFloorP50Ms: number; semiSyncFloorP50Ms: number; samples: number };
  writes?: WriteCell[];
  ratios?: Array<{ concurrency: number; semiSyncOverAsyncP50: number; semiSyncOverFloorP50: number | undefined; asyncOverFloorP50: number | undefined }>;
  /** The store's raw capacity in the same run, against replicated writes/s at the highest concurrency. */
  capacity?: StoreCapacity;
  applyLag?: ApplyLagResult;
  /** The same at a light load (plan.lag.lightRatePerSec), for the lag of a machine that is not saturated. */
  applyLagLight?: ApplyLagResult;
  /** Outbox marks and relay republishes after a burst of writes. */
  outbox?: OutboxBurstResult;
  catchUp?: CatchUpResult;
  /** The same at a larger size (full runs only). */
  catchUpLarge?: CatchUpResult;
  verify?: VerifySettleResult;
  failover?: FailoverResult;
  /** Unplanned leader failover (the leader's store SIGKILLed) and the lossless-read cost. */
  leaderFailover?: LeaderFailoverResult;
  switchover?: SwitchoverResult;
  /** The 1-broker log next to a 3-broker cluster: the price of a durable log. */
  logCluster?: LogClusterResult;
  targets: Target[];
  /** Sections that failed, with why; a run with failures never becomes `latest`. */
  failures?: Record<string, string>;
}
