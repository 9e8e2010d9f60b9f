import { GetCommand } from '@aws-sdk/lib-dynamodb';
import { type ReplogProcess, spawnReplog } from './child-process';
import { eventually } from './eventually';
import { startTestStack, type TestStack } from './test-stack';

/**
 * A leader in the test process and every follower as its own OS process (`replog follower`), so
 * tests can SIGKILL, SIGSTOP and restart followers for real while the leader keeps serving.
 */
export class ReplicationCluster {
  readonly followers = new Map<string, ReplogProcess>();

  private constructor(
    readonly t: TestStack,
    readonly followerIds: string[],
  ) {}

  /** `separateStores`: the control store and each replica's store as processes of their own (`t.stores` kills and starts them). */
  static async start(
    label: string,
    env: Record<string, string> = {},
    followerIds = ['follower-1', 'follower-2', 'follower-3'],
    options: { separateStores?: boolean } = {},
  ) {
    const t = await startTestStack(label, {
      env: { REPLOG_FOLLOWERS: followerIds.join(','), ...env },
      followers: 'none',
      separateStores: options.separateStores ?? false,
    });
    const cluster = new ReplicationCluster(t, followerIds);
    await Promise.all(followerIds.map((id) => cluster.startFollower(id)));
    return cluster;
  }

  get api() {
    return this.t.api;
  }

  get runtime() {
    return this.t.stack.runtime;
  }

  /** Starts a follower process and waits until its consumer group has a live member. */
  async startFollower(id: string): Promise<void> {
    const proc = spawnReplog(['follower', '--id', id], this.t.env);
    this.followers.set(id, proc);
    await proc.ready(new RegExp(`replog follower ${id} consuming`));
    await this.waitForMembers(id, 1);
  }

  async kill(id: string, signal: NodeJS.Signals = 'SIGKILL'): Promise<void> {
    await this.followers.get(id)?.kill(signal);
    this.followers.delete(id);
  }

  pause(id: string): void {
    this.followers.get(id)?.child.kill('SIGSTOP');
  }

  resume(id: string): void {
    this.followers.get(id)?.child.kill('SIGCONT');
  }

  async waitForMembers(id: string, members: number, timeoutMs = 30_000): Promise<void> {
    const group = this.runtime.config.groupId(id);
    await eventually(
      async () => ((await this.runtime.admin.groupMembership([group])).get(group)?.members ?? 0) === members,
      { timeoutMs, intervalMs: 100, what: `${group} to have ${members} member(s)` },
    );
  }

  async followerItem(id: string, key: string): Promise<Record<string, unknown> | undefined> {
    // The follower's own store: with separate stores that is not DYNAMODB_ENDPOINT.
    const out = await this.runtime.replicaClient(id).send(
      new GetCommand({ TableName: this.runtime.config.tables.follower(id), Key: { pk: key }, ConsistentRead: true }),
    );
    return out.Item;
  }

  async stop(): Promise<void> {
    await Promise.all([...this.followers.keys()].map((id) => this.kill(id, 'SIGKILL')));
    await this.t.stop();
  }
}
