import type { RejoinReport, RewoundItem } from '../functions/rejoin';

const version = (v: { term: number; version: number; deleted: boolean } | null) =>
  v === null ? 'absent' : `term ${v.term} v${v.version}${v.deleted ? ' (deleted)' : ''}`;

const why = (item: RewoundItem) =>
  item.why === 'never-in-log'
    ? 'not in the log before its term ended'
    : item.why === 'after-fence'
      ? `in the log only after the fence (at ${item.held.published?.partition}:${item.held.published?.offset}), refused by every follower`
      : `in the log at ${item.held.published?.partition}:${item.held.published?.offset} before the fence, yet not on the leader`;

/** The rewind report for people: every reverted item by key and version, what it holds now and why. */
export function renderRejoinReport(r: RejoinReport, show = Number.POSITIVE_INFINITY): string {
  const lines = [
    `${r.replica} rejoined as a follower of ${r.leader} (term ${r.leaderTerm}) after a rewind of ${r.scanned} items in ${r.durationMs} ms; terms it led: ${r.termsLed.join(', ') || 'none'}`,
    r.reverted.length === 0
      ? `  it held nothing the log did not carry: no item reverted`
      : `  ${r.reverted.length} item(s) committed on ${r.replica} and never acknowledged, reverted to the leader's state:`,
  ];
  for (const item of r.reverted.slice(0, show)) {
    lines.push(`    ${JSON.stringify(item.key)}  held ${version(item.held)}  now ${version(item.now)}  (${why(item)})`);
  }
  if (r.reverted.length > show) lines.push(`    … and ${r.reverted.length - show} more (--json lists all)`);
  if (r.marksCleared > 0) lines.push(`  ${r.marksCleared} open outbox mark(s) on versions the leader holds were dropped`);
  for (const item of r.flagged) lines.push(`  FLAGGED ${JSON.stringify(item.key)}  held ${version(item.held)}: ${why(item)}; left as it is, look at it`);
  return lines.join('\n');
}
