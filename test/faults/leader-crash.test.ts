import type { EmbeddedDynamo } from '../../src/local/dynalite-server';
import { startSharedStore } from '../support/shared-store';
import { type LocalStack, startLocalStack } from '../../src/local/local-stack';
import type { OutboxRelayReport } from '../../src/core/outbox-relay';
import { spawnReplog } from '../support/child-process';
import { eventually } from '../support/eventually';
import { isolatedEnv, uniqueNames } from '../support/test-names';
import { reportCase } from './support/fault-report';
import { compareReplica, scanTable } from './support/replica-tables';
import { exited, jsonLineWith, runReplogOnce } from './support/replog-cli';
import { startWriteLoad } from './support/write-load';
import { faultRepeats } from './support/fault-tier';

const CYCLES = faultRepeats('REPLOG_FAULT_LEADER_CYCLES', { ci: 8, long: 16 });
const FOLLOWERS = ['follower-1', 'follower-2', 'follower-3'];

/**
 * The dual write: the leader commits to DynamoDB, then produces to Kafka. Kill it in between
 * (a fault hook that SIGKILLs right after the commit) and at random moments (SIGKILL from here),
 * over and over under load. Then run the relay once: every follower must equal the leader.
 */
describe('fault: leader killed between commit and publish', () => {
  let dynamo: EmbeddedDynamo;
  let followers: LocalStack;

  afterAll(async () => {
    await followers?.stop();
    await dynamo?.close();
  });

  it('given the leader SIGKILLed at random points under load, after the relay runs every follower equals the leader', async () => {
    dynamo = await startSharedStore();
    const names = uniqueNames('leadercrash');
    const env = isolatedEnv(names, dynamo.endpoint, { REPLOG_FOLLOWERS: FOLLOWERS.join(','), REPLOG_LOG_LEVEL: 'ERROR' });
    // The followers live in this process; only the leader dies.
    followers = await startLocalStack({ env, http: false, followers: 'all' });
    const rt = followers.runtime;
    const leaderEnv = {
      ...env,
      // WARN so the fault hook's last words show which kills it caused.
      REPLOG_LOG_LEVEL: 'WARN',
      REPLOG_FAULT_CRASH_AFTER_COMMIT_PROBABILITY: '0.05',
      // The leaders' own relay timers never fire in this test: the relay run below must do all the work.
      REPLOG_RELAY_GRACE_MS: '3600000',
    };

    // The next leader starts while the current one serves (two leader instances at once, as two
    // Lambda containers would be), so a kill costs no start-up time.
    const startLeader = async () => {
      const proc = spawnReplog(['serve'], leaderEnv);
      await proc.ready(/replog leader listening on http:\/\/\S+/);
      return { proc, url: /replog leader listening on (http:\/\/\S+)/.exec(proc.output())?.[1] };
    };
    let standby = startLeader();
    let url: string | undefined;
    const load = startWriteLoad({ url: () => url, keys: 400, workers: 6, keyPrefix: 'lc-', deleteRatio: 0.1, ackModes: ['async', 'semi-sync'] });
    let hookKills = 0;
    let externalKills = 0;
    const started = Date.now();
    for (let cycle = 0; cycle < CYCLES; cycle++) {
      const next = await standby;
      const leader = next.proc;
      standby = startLeader();
      url = next.url;
      const killAfterMs = 500 + Math.random() * 2500;
      const outcome = await Promise.race([
        exited(leader).then(() => 'died' as const),
        new Promise<'timer'>((r) => setTimeout(() => r('timer'), killAfterMs)),
      ]);
      url = undefined;
      if (outcome === 'timer') {
        await leader.kill('SIGKILL');
        externalKills += 1;
      } else {
        const how = await exited(leader);
        // Anything but our own SIGKILL (a crash, an exit) is a failure of its own.
        expect({ signal: how.signal, injected: /fault injection: SIGKILL between commit and publish/.test(leader.output()) }).toEqual({
          signal: 'SIGKILL',
          injected: true,
        });
        hookKills += 1;
      }
    }
    const stats = await load.stop();
    await (await standby).proc.kill('SIGKILL');
    const loadMs = Date.now() - started;

    // Let the followers apply everything that did reach the log before judging what is missing.
    const groups = FOLLOWERS.map((id) => rt.config.groupId(id));
    await eventually(
      async () => {
        const [{ high }, committed] = await Promise.all([rt.admin.endOffsets(), rt.admin.committedOffsets(groups)]);
        return groups.every((g) => [...high].every(([p, end]) => (committed.get(g)?.get(p) ?? 0n) >= end));
      },
      { timeoutMs: 60_000, intervalMs: 200, what: 'followers to apply the whole log' },
    );
    const leaderBefore = await scanTable(rt.documentClient, rt.config.tables.leader);
    const follower1Before = await scanTable(rt.documentClient, rt.config.tables.follower('follower-1'));
    const marksBefore = [...leaderBefore.values()].filter((i) => i.outboxAt !== undefined).length;
    const behindBefore = [...leaderBefore].filter(([k, l]) => (follower1Before.get(k)?.version ?? 0) < l.version).length;

    const relay = await runReplogOnce(['relay', '--grace', '0', '--json'], env);
    expect(relay.code).toBe(0);
    const report = jsonLineWith<OutboxRelayReport>(relay.output, 'republished');
    expect(report.failed).toBe(0);

    let mismatches: string[] = [];
    let compared = 0;
    const leaderAfter = await scanTable(rt.documentClient, rt.config.tables.leader);
    await eventually(
      async () => {
        mismatches = [];
        compared = 0;
        for (const id of FOLLOWERS) {
          const c = compareReplica(leaderAfter, await scanTable(rt.documentClient, rt.config.tables.follower(id)), id);
          compared += c.compared;
          mismatches.push(...c.mismatches);
        }
        return mismatches.length === 0;
      },
      { timeoutMs: 60_000, intervalMs: 250, what: 'every follower to equal the leader' },
    ).catch(() => undefined);

    const ackedMissing = [...stats.acked].filter(([key, v]) => (leaderAfter.get(key)?.version ?? 0) < v);
    const marksAfter = [...leaderAfter.values()].filter((i) => i.outboxAt !== undefined).length;
    reportCase('leader-crash', {
      cycles: CYCLES,
      kills: hookKills + externalKills,
      killsBetweenCommitAndPublish: hookKills,
      killsAtRandomTimes: externalKills,
      writesAttempted: stats.attempted,
      writesAcknowledged: stats.acknowledged,
      writesUnanswered: stats.noAnswer,
      statuses: JSON.stringify(stats.byStatus),
      loadSeconds: Math.round(loadMs / 1000),
      leaderKeys: leaderAfter.size,
      marksBeforeRelay: marksBefore,
      keysBehindOnFollower1BeforeRelay: behindBefore,
      relayFound: report.found,
      relayRepublished: report.republished,
      marksAfterRelay: marksAfter,
      followerItemsCompared: compared,
      mismatches: mismatches.length,
      acknowledgedWritesMissing: ackedMissing.length,
    });
    expect(stats.acknowledged).toBeGreaterThan(CYCLES);
    expect(mismatches.slice(0, 10)).toEqual([]);
    expect(ackedMissing.slice(0, 10)).toEqual([]);
    expect(marksAfter).toBe(0);
    // The crash window was really hit: some commits never reached the log until the relay ran.
    expect(hookKills === 0 || behindBefore > 0).toBe(true);
    expect(hookKills + externalKills).toBe(CYCLES);
  });
});
