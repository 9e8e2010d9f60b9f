import { verifyFollowerTable } from '../functions/follower-maintenance';
import type { Runtime } from '../functions/runtime';
import { renderVerifyReport } from './commands/verify';

/**
 * After a rebuild, the follower is compared with the leader before anyone relies on it: a
 * follower rebuilt from a log that lacked a key's newest state must not be silently stale.
 * Leader versions written after the rebuild's target are pending, not differences (verify.ts).
 */
export async function checkRebuiltFollower(runtime: Runtime, followerId: string): Promise<boolean> {
  process.stderr.write(`replog: checking ${followerId} against the leader (--no-verify skips this)\n`);
  const report = await verifyFollowerTable(runtime, {
    followerId,
    repair: false,
    onNotice: (message) => process.stderr.write(`replog: ${message}\n`),
  });
  process.stdout.write(`${renderVerifyReport(report, 20)}\n`);
  if (!report.matched) process.stdout.write(`  run \`replog verify --follower ${followerId} --repair\` to heal what differs\n`);
  return report.matched;
}
