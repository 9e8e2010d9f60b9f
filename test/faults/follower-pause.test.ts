import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig } from '../../src/config/config';
import { Runtime } from '../../src/functions/runtime';
import { type ReplogProcess, spawnReplog } from '../support/child-process';
import { eventually } from '../support/eventually';
import { startSharedStore } from '../support/shared-store';
import { startTestStack } from '../support/test-stack';
import { isolatedEnv, uniqueNames } from '../support/test-names';
import { reportCase } from './support/fault-report';
import { awaitFollowersMatch, readVersions, scanTable } from './support/replica-tables';
import { exited } from './support/replog-cli';
import { startWriteLoad } from './support/write-load';
import { faultRepeats } from './support/fault-tier';

const PAUSES = faultRepeats('REPLOG_FAULT_PAUSES', { ci: 2, long: 5 });
const FOLLOWERS = ['follower-1', 'follower-2'];
/** The fault broker allows short sessions (fault-broker.ts): a paused member is dropped within seconds. */
const SESSION_MS = 3000;
const KEYS = 200;

interface FollowerStatus {
  id: string;
  healthy: boolean;
  lag: { events: number };
  consumer: { state: string; restarts: number; lastError: { name: string; message: string } | null } | null;
}

/**
 * A laptop sleep, five times: the process that runs followers is stopped (SIGSTOP) under load until
 * its consumer group has dropped it (past the session timeout), then continued (SIGCONT). Each
 * consumer must notice, rejoin by itself and apply everything, while a reader polls the follower
 * tables for any version going backwards. Once for a `replog dev` (leader and followers in the
 * paused process) and once for `replog follower --id` processes (the leader keeps serving).
 */
describe('fault: processes paused past their session timeout', () => {
  const running = new Set<ReplogProcess>();
  const cleanups: Array<() => Promise<void>> = [];

  afterEach(async () => {
    for (const p of running) p.child.kill('SIGCONT');
    await Promise.all([...running].map((p) => p.kill('SIGKILL')));
    running.clear();
    for (const c of cleanups.splice(0).reverse()) await c().catch(() => undefined);
  });

  const spawn = async (args: string[], env: NodeJS.ProcessEnv, ready: RegExp) => {
    const proc = spawnReplog(args, env);
    running.add(proc);
    await proc.ready(ready);
    return proc;
  };

  /** Pauses `victims` PAUSES times under load and checks everything the case promises; returns its counts. */
  async function pauseUnderLoad(options: {
    name: string;
    rt: Runtime;
    url: () => string;
    victims: ReplogProcess[];
    status: () => Promise<FollowerStatus[]>;
  }) {
    const { rt } = options;
    const groups = FOLLOWERS.map((id) => rt.config.groupId(id));
    const committedSum = async (id: string) => {
      const group = rt.config.groupId(id);
      return [...((await rt.admin.committedOffsets([group])).get(group)?.values() ?? [])].reduce((a, b) => a + b, 0n);
    };
    const endSum = async () => [...(await rt.admin.endOffsets()).high.values()].reduce((a, b) => a + b, 0n);
    const load = startWriteLoad({ url: options.url, keys: KEYS, workers: 3, keyPrefix: `${options.name}-`, deleteRatio: 0.1, requestTimeoutMs: 60_000 });

    // The reader: consistent reads of the follower tables; no version may ever go backwards.
    const allKeys = Array.from({ length: KEYS }, (_, i) => `${options.name}-${i}`);
    const seen = new Map<string, number>();
    const regressions: string[] = [];
    let reads = 0;
    let reading = true;
    const reader = (async () => {
      while (reading) {
        for (const id of FOLLOWERS) {
          const sample = [...new Set(Array.from({ length: 40 }, () => allKeys[Math.floor(Math.random() * KEYS)] as string))];
          const versions = await readVersions(rt.documentClient, rt.config.tables.follower(id), sample).catch(() => new Map<string, number>());
          for (const [key, v] of versions) {
            reads += 1;
            const before = seen.get(`${id}/${key}`) ?? 0;
            if (v < before) regressions.push(`${id}/${key}: ${before} → ${v}`);
            else seen.set(`${id}/${key}`, v);
          }
        }
        await new Promise((r) => setTimeout(r, 50));
      }
    })();

    const pausedMs: number[] = [];
    const recoveryMs: number[] = [];
    const inFlightAtPause: number[] = [];
    const inFlight = () => load.stats.attempted - load.stats.noAnswer - Object.values(load.stats.byStatus).reduce((a, b) => a + b, 0);
    for (let i = 0; i < PAUSES; i++) {
      // Under load: every follower has been applying since the last round.
      const before = await Promise.all(FOLLOWERS.map(committedSum));
      await eventually(async () => (await Promise.all(FOLLOWERS.map(committedSum))).every((c, k) => c > (before[k] ?? 0n)), {
        timeoutMs: 60_000,
        intervalMs: 100,
        what: 'the followers to apply writes before the pause',
      });
      for (const v of options.victims) v.child.kill('SIGSTOP');
      const pausedAt = Date.now();
      inFlightAtPause.push(inFlight());
      // Past the session timeout: the group has dropped every paused member.
      await eventually(async () => [...(await rt.admin.groupMembership(groups)).values()].every((g) => g.members === 0), {
        timeoutMs: SESSION_MS * 5,
        intervalMs: 100,
        what: 'the groups to drop the paused members',
      });
      for (const v of options.victims) v.child.kill('SIGCONT');
      const resumedAt = Date.now();
      pausedMs.push(resumedAt - pausedAt);
      const target = await endSum();
      await eventually(
        async () => {
          const members = await rt.admin.groupMembership(groups);
          const applied = await Promise.all(FOLLOWERS.map(committedSum));
          return [...members.values()].every((g) => g.members > 0) && applied.every((c) => c >= target);
        },
        { timeoutMs: 60_000, intervalMs: 100, what: `the followers to rejoin and catch up after pause ${i + 1}` },
      );
      recoveryMs.push(Date.now() - resumedAt);
    }
    const stats = await load.stop();

    const leader = await scanTable(rt.documentClient, rt.config.tables.leader);
    const { compared, mismatches } = await awaitFollowersMatch(
      rt.documentClient,
      leader,
      FOLLOWERS.map((id) => ({ id, table: rt.config.tables.follower(id) })),
      { timeoutMs: 60_000, what: 'every follower to equal the leader' },
    );
    reading = false;
    await reader;
    // Every acknowledged write reached every follower.
    const ackedMissing: string[] = [];
    for (const id of FOLLOWERS) {
      const table = await scanTable(rt.documentClient, rt.config.tables.follower(id));
      for (const [key, version] of stats.acked) if ((table.get(key)?.version ?? 0) < version) ackedMissing.push(`${id}/${key}@${version}`);
    }
    const status = await eventually(
      async () => {
        const followers = await options.status();
        return followers.every((f) => f.consumer?.state === 'running' && f.healthy) ? followers : undefined;
      },
      { timeoutMs: 30_000, what: 'status to show every consumer running again' },
    );
    const restarts = Object.fromEntries(status.map((f) => [f.id, f.consumer?.restarts ?? 0]));
    const lastErrors = [...new Set(status.map((f) => f.consumer?.lastError?.name ?? 'none'))].join('/');
    const alive = options.victims.every((v) => v.child.exitCode === null && v.child.signalCode === null);
    reportCase(`follower-pause (${options.name})`, {
      pauses: PAUSES,
      pausedProcesses: options.victims.length,
      writesInFlightAtPauseMin: Math.min(...inFlightAtPause),
      // Each pause lasted until the broker had expired the members' sessions (up to one heartbeat
      // interval less than the session timeout after the last heartbeat).
      pauseMsMin: Math.min(...pausedMs),
      pauseMsMax: Math.max(...pausedMs),
      recoveryMsMax: Math.max(...recoveryMs),
      writesAttempted: stats.attempted,
      writesAcknowledged: stats.acknowledged,
      statuses: JSON.stringify(stats.byStatus),
      restartsReported: JSON.stringify(restarts),
      lastErrors,
      processesAlive: alive,
      readerReads: reads,
      versionRegressions: regressions.length,
      leaderKeys: leader.size,
      followerItemsCompared: compared,
      mismatches: mismatches.length,
      acknowledgedWritesMissing: ackedMissing.length,
    });
    expect(alive).toBe(true);
    // Every pause caught writes in flight, and the followers had applied writes since the one before.
    expect(inFlightAtPause.every((n) => n > 0)).toBe(true);
    expect(Object.values(restarts).every((n) => n >= PAUSES)).toBe(true);
    expect(regressions.slice(0, 10)).toEqual([]);
    expect(reads).toBeGreaterThan(200);
    expect(mismatches.slice(0, 10)).toEqual([]);
    expect(ackedMissing.slice(0, 10)).toEqual([]);
    expect(Object.keys(stats.byStatus).filter((s) => s !== '200' && s !== '404')).toEqual([]);
  }

  const baseEnv = {
    REPLOG_FOLLOWERS: FOLLOWERS.join(','),
    REPLOG_ACK_MODE: 'async',
    REPLOG_FOLLOWER_SESSION_TIMEOUT_MS: String(SESSION_MS),
    REPLOG_LOG_LEVEL: 'ERROR',
    REPLOG_LOG_FORMAT: 'json',
  };

  it(`given a replog dev (leader and followers in one process) paused ${PAUSES} times under load, its followers rejoin every time and miss nothing`, async () => {
    const dynamo = await startSharedStore();
    cleanups.push(() => dynamo.close());
    const dataDir = mkdtempSync(join(tmpdir(), 'replog-pause-'));
    cleanups.push(async () => rmSync(dataDir, { recursive: true, force: true }));
    const env = isolatedEnv(uniqueNames('pausedev'), dynamo.endpoint, { ...baseEnv, REPLOG_DATA_DIR: dataDir });
    // --single-process: the leader and its followers in the one paused process (the case this test is about).
    const dev = await spawn(['dev', '--single-process'], env, /Ctrl-C stops everything this run started/);
    const url = /HTTP API\s+(\S+)/.exec(dev.output())?.[1] as string;
    const rt = new Runtime(loadConfig(env));
    cleanups.push(() => rt.close());
    await pauseUnderLoad({
      name: 'dev',
      rt,
      url: () => url,
      victims: [dev],
      status: async () => ((await (await fetch(`${url}/replication/status`)).json()) as { followers: FollowerStatus[] }).followers,
    });
    const ended = exited(dev);
    dev.child.kill('SIGINT');
    expect((await ended).code).toBe(0);
    running.delete(dev);
  });

  it(`given replog follower --id processes paused ${PAUSES} times under load, they rejoin every time and miss nothing`, async () => {
    const t = await startTestStack('pausefollower', { followers: 'none', env: baseEnv });
    cleanups.push(() => t.stop());
    const victims = await Promise.all(
      FOLLOWERS.map((id) => spawn(['follower', '--id', id], t.env, new RegExp(`replog follower ${id} consuming`))),
    );
    await pauseUnderLoad({
      name: 'follower',
      rt: t.stack.runtime,
      url: () => t.url,
      victims,
      status: async () => (await t.api<{ followers: FollowerStatus[] }>('GET', '/replication/status')).body.followers,
    });
  });
});
