import { type ReplogProcess, spawnReplog } from '../support/child-process';
import { eventually } from '../support/eventually';
import { startTestStack, type TestStack } from '../support/test-stack';
import { reportCase } from './support/fault-report';
import { readVersions, scanTable, awaitFollowersMatch } from './support/replica-tables';
import { startWriteLoad } from './support/write-load';
import { faultRepeats } from './support/fault-tier';

const FOLLOWERS = ['follower-1', 'follower-2'];
const KILLS_PER_FOLLOWER = faultRepeats('REPLOG_FAULT_FOLLOWER_KILLS', { ci: 5, long: 11 });
const KEYS = 300;

/**
 * Followers are separate processes, SIGKILLed while they apply under load, again and again. Each
 * victim's replacement is started first (it joins the same consumer group, as a second Lambda
 * poller would), so kills come every few seconds, always to a process that has been applying.
 * A reader polls the follower tables the whole time: no version may ever go backwards, and in the
 * end every follower table must equal the leader's.
 */
describe('fault: followers killed mid-batch', () => {
  let t: TestStack;
  const processes = new Set<ReplogProcess>();

  afterAll(async () => {
    await Promise.all([...processes].map((p) => p.kill('SIGKILL')));
    await t?.stop();
  });

  it(`given followers SIGKILLed ${KILLS_PER_FOLLOWER * FOLLOWERS.length} times under load, no version goes backwards and the tables end identical`, async () => {
    t = await startTestStack('followercrash', {
      followers: 'none',
      env: {
        REPLOG_FOLLOWERS: FOLLOWERS.join(','),
        REPLOG_ACK_MODE: 'async',
        REPLOG_LOG_LEVEL: 'ERROR',
        // A killed member's partitions move on after 3 s instead of 6 (see fault-broker.ts).
        REPLOG_FOLLOWER_SESSION_TIMEOUT_MS: '3000',
      },
    });
    const rt = t.stack.runtime;
    const startFollower = async (id: string): Promise<ReplogProcess> => {
      const proc = spawnReplog(['follower', '--id', id], t.env);
      processes.add(proc);
      await proc.ready(new RegExp(`replog follower ${id} consuming`));
      return proc;
    };
    const committedSum = async (id: string): Promise<bigint> => {
      const group = rt.config.groupId(id);
      const offsets = (await rt.admin.committedOffsets([group])).get(group);
      return [...(offsets?.values() ?? [])].reduce((a, b) => a + b, 0n);
    };
    const backlog = async (id: string): Promise<bigint> => {
      const { high } = await rt.admin.endOffsets();
      return [...high.values()].reduce((a, b) => a + b, 0n) - (await committedSum(id));
    };

    const current = new Map<string, ReplogProcess>();
    await Promise.all(FOLLOWERS.map(async (id) => current.set(id, await startFollower(id))));
    const load = startWriteLoad({ url: () => t.url, keys: KEYS, workers: 3, keyPrefix: 'fc-', deleteRatio: 0.1 });
    const allKeys = Array.from({ length: KEYS }, (_, i) => `fc-${i}`);

    // The reader: consistent reads of the follower tables, remembering the highest version seen per key.
    const seen = new Map<string, number>();
    const regressions: string[] = [];
    let reads = 0;
    let reading = true;
    const reader = (async () => {
      while (reading) {
        for (const id of FOLLOWERS) {
          const sample = new Set(Array.from({ length: 50 }, () => allKeys[Math.floor(Math.random() * KEYS)] as string));
          const versions = await readVersions(rt.documentClient, rt.config.tables.follower(id), [...sample]).catch(() => new Map<string, number>());
          for (const [key, v] of versions) {
            reads += 1;
            const before = seen.get(`${id}/${key}`) ?? 0;
            if (v < before) regressions.push(`${id}/${key}: ${before} → ${v}`);
            else seen.set(`${id}/${key}`, v);
          }
        }
        // Poll, do not spin: the reader shares this process with the leader and the store.
        await new Promise((r) => setTimeout(r, 50));
      }
    })();

    let kills = 0;
    let killsWithBacklog = 0;
    const started = Date.now();
    const killer = async (id: string) => {
      for (let i = 0; i < KILLS_PER_FOLLOWER; i++) {
        const before = await committedSum(id);
        const replacement = await startFollower(id);
        // The victim must be applying when it dies: the group's committed offsets moved meanwhile.
        await eventually(async () => (await committedSum(id)) > before, { timeoutMs: 60_000, intervalMs: 100, what: `${id} to apply` });
        await new Promise((r) => setTimeout(r, Math.random() * 500));
        if ((await backlog(id)) > 0n) killsWithBacklog += 1;
        const victim = current.get(id) as ReplogProcess;
        await victim.kill('SIGKILL');
        processes.delete(victim);
        kills += 1;
        current.set(id, replacement);
      }
    };
    await Promise.all(FOLLOWERS.map((id) => killer(id)));
    const stats = await load.stop();
    const killSeconds = Math.round((Date.now() - started) / 1000);

    const leader = await scanTable(rt.documentClient, rt.config.tables.leader);
    const { compared, mismatches } = await awaitFollowersMatch(
      rt.documentClient,
      leader,
      FOLLOWERS.map((id) => ({ id, table: rt.config.tables.follower(id) })),
      { timeoutMs: 90_000, what: 'every follower to equal the leader' },
    );
    reading = false;
    await reader;

    const ackedMissing = [...stats.acked].filter(([key, v]) => (leader.get(key)?.version ?? 0) < v);
    reportCase('follower-crash', {
      kills,
      killsWithBacklog,
      killSeconds,
      writesAttempted: stats.attempted,
      writesAcknowledged: stats.acknowledged,
      statuses: JSON.stringify(stats.byStatus),
      readerReads: reads,
      versionRegressions: regressions.length,
      leaderKeys: leader.size,
      followerItemsCompared: compared,
      mismatches: mismatches.length,
      acknowledgedWritesMissing: ackedMissing.length,
    });
    expect(kills).toBe(KILLS_PER_FOLLOWER * FOLLOWERS.length);
    expect(regressions.slice(0, 10)).toEqual([]);
    expect(reads).toBeGreaterThan(500);
    expect(mismatches.slice(0, 10)).toEqual([]);
    expect(ackedMissing.slice(0, 10)).toEqual([]);
    expect(Object.keys(stats.byStatus).filter((s) => s !== '200' && s !== '404')).toEqual([]);
  });
});
