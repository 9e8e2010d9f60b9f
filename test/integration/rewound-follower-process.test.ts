import { join } from 'node:path';
import { GetCommand } from '@aws-sdk/lib-dynamodb';
import { failOver } from '../../src/functions/leader-failover';
import { rejoinReplica } from '../../src/functions/rejoin';
import { type ReplogProcess, spawnTypeScript } from '../support/child-process';
import { eventually } from '../support/eventually';
import { startTestStack, type TestStack } from '../support/test-stack';

interface WriteAnswer {
  version: number;
  term: number;
  leader: string;
}

/**
 * A deposed leader's follower process outlives its rewind. After a failover the old leader
 * neither consumes nor confirms until `replog rejoin` has rewound it, so the process that runs its
 * follower has, for that while, no consumer at all; it must still be there to consume the new
 * term once the replica is rejoined. The process here runs nothing but that follower (no HTTP
 * API, no metrics listener), as `replog follower` did when the failover fault case failed in CI.
 */
describe('the follower process of a leader lost in a failover', () => {
  let t: TestStack;
  let main: ReplogProcess;

  beforeAll(async () => {
    // The leader (main) serves here, with follower-1's consumer; main's own follower is the child.
    t = await startTestStack('rewound-process', { env: { REPLOG_FOLLOWERS: 'follower-1', REPLOG_ACK_MODE: 'async' }, followers: ['follower-1'] });
    main = spawnTypeScript(join(__dirname, '..', 'support', 'follower-stack-process.ts'), ['main'], { ...t.env, REPLOG_LOG_LEVEL: 'WARN' }, 'follower-stack-process');
    await main.ready(/follower stack main consuming/);
  });

  afterAll(async () => {
    await main?.kill('SIGKILL');
    await t?.stop();
  });

  const mainItem = async (key: string) =>
    (await t.stack.runtime.replicaClient('main').send(new GetCommand({ TableName: t.stack.runtime.config.tables.replica('main'), Key: { pk: key }, ConsistentRead: true }))).Item;

  it('given main deposed by a failover and rewound, its follower process stays up without a consumer and applies the new term once main rejoins', async () => {
    for (let i = 0; i < 10; i++) expect((await t.api<WriteAnswer>('PUT', `/items/before-${i}`, { i })).status).toBe(200);
    const runtime = t.stack.runtime;
    const outcome = await failOver(runtime.failoverDeps, { failedLeader: 'main', term: 1, by: 'the test', reason: 'the test deposes main' });
    expect(outcome).toMatchObject({ kind: 'promoted', from: 'main', to: 'follower-1', term: 2 });

    // main waits for its rewind: its process stops the consumer and says why.
    await main.ready(/follower stopped: main lost its leadership in a failover and waits for its rewind/, 30_000);
    const report = await rejoinReplica(runtime.rejoinDeps('main'), 'main', 'the test');
    expect(report).toMatchObject({ replica: 'main', leader: 'follower-1', reverted: [], flagged: [] });

    const write = await t.api<WriteAnswer>('PUT', '/items/after-rejoin', { n: 1 });
    expect(write.body).toMatchObject({ leader: 'follower-1', term: 2 });
    await eventually(
      async () => {
        if (main.child.exitCode !== null || main.child.signalCode !== null) {
          throw new Error(`main's follower process ended (${main.child.exitCode ?? main.child.signalCode}):\n${main.output().slice(-2000)}`);
        }
        const item = await mainItem('after-rejoin');
        return item !== undefined && Number(item.term) === 2 && Number(item.version) === write.body.version;
      },
      { timeoutMs: 30_000, intervalMs: 100, what: "main's follower process to apply the new term's write after the rejoin" },
    );
    expect(main.output()).not.toMatch(/nothing is running any more/);
  });
});
