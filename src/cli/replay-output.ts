import { SingleBar } from 'cli-progress';
import type { ReplayProgressReport, ReplaySummary } from '../core/replay';
import { formatDuration } from '../core/replay-progress';

const n = (x: number) => Math.round(x).toLocaleString('en-US');
const offsets = (record: Record<string, string>) =>
  Object.entries(record)
    .map(([p, o]) => `${p}:${o}`)
    .join(' ');

/**
 * The replay's progress bar on stderr: log positions covered of the total, events per second and
 * the ETA from the end offsets. Without a terminal it prints a line a second instead, so CI logs
 * and tests still see progress.
 */
export function replayProgressBar(label: string): { update(report: ReplayProgressReport): void; stop(): void } {
  const bar = new SingleBar({
    stream: process.stderr,
    format: `${label} [{bar}] {percentage}% | {value}/{total} events | {rate} events/s | ETA {etaText} | written {written}`,
    barCompleteChar: '█',
    barIncompleteChar: '░',
    hideCursor: true,
    noTTYOutput: true,
    notTTYSchedule: 1000,
    fps: 5,
  });
  let started = false;
  return {
    update(report) {
      const payload = {
        rate: n(report.ratePerSec),
        etaText: report.etaMs === undefined ? '?' : formatDuration(report.etaMs),
        written: n(report.counts.written),
      };
      if (!started) {
        bar.start(Math.max(report.total, 1), report.done, payload);
        started = true;
      } else {
        bar.setTotal(Math.max(report.total, 1));
        bar.update(report.done, payload);
      }
    },
    stop() {
      if (started) bar.stop();
    },
  };
}

export function renderReplaySummary(s: ReplaySummary): string {
  const kind = `${s.mode} from ${s.from}${s.resumed ? ', resumed' : ''}`;
  const lines = [
    s.completed ? `replay of ${s.followerId} complete (${kind})` : `replay of ${s.followerId} interrupted (${kind})`,
    `  read ${n(s.counts.records)} records in ${formatDuration(s.durationMs)} (${n(s.recordsPerSec)} records/s); wrote ${n(s.counts.written)} items, skipped ${n(s.counts.skipped)} older, ${n(s.counts.poison)} poison`,
    `  from    ${offsets(s.starts) || '-'}`,
    `  target  ${offsets(s.targets) || '-'}`,
  ];
  if (s.completed) lines.push(`  handed over at ${offsets(s.handedOverAt)}: the follower's consumer group continues from here`);
  else lines.push(`  checkpoint ${offsets(s.handedOverAt)}: run the same command again to resume from here`);
  for (const note of s.notes) lines.push(`  note: ${note}`);
  return lines.join('\n');
}
