import { MultiBar, type SingleBar } from 'cli-progress';
import type { ReplayProgressReport, ReplaySummary } from '../core/replay';
import { formatDuration } from '../core/replay-progress';

const n = (x: number) => Math.round(x).toLocaleString('en-US');
const offsets = (record: Record<string, string>) =>
  Object.entries(record)
    .map(([p, o]) => `${p}:${o}`)
    .join(' ');

export interface ReplayProgressBar {
  update(report: ReplayProgressReport): void;
  /** A line for the person watching (a notice, "stopping at the next checkpoint"), printed above the bar, never through it. */
  note(line: string): void;
  stop(): void;
}

/**
 * The replay's progress bar on stderr: log positions covered of the total, events per second and
 * the ETA from the end offsets. Without a terminal it prints a line a second instead, so CI logs
 * and tests still see progress. cli-progress's MultiBar (with one bar) rather than SingleBar,
 * because it can print lines above the bar: anything written straight to the stream while the
 * bar redraws its own line gets overwritten by it.
 */
export function replayProgressBar(label: string, stream: NodeJS.WritableStream & { isTTY?: boolean } = process.stderr): ReplayProgressBar {
  const bars = new MultiBar({
    stream,
    format: `${label} [{bar}] {percentage}% | {value}/{total} events | {rate} events/s | ETA {etaText} | written {written}`,
    barCompleteChar: '█',
    barIncompleteChar: '░',
    hideCursor: true,
    noTTYOutput: true,
    notTTYSchedule: 1000,
    fps: 5,
  });
  let bar: SingleBar | undefined;
  let stopped = false;
  return {
    update(report) {
      if (stopped) return;
      const payload = {
        rate: n(report.ratePerSec),
        etaText: report.total === report.done ? '0s' : report.etaMs === undefined ? '?' : formatDuration(report.etaMs),
        written: n(report.counts.written),
      };
      // Nothing to replay (a resumed replay already at its targets) is complete, not 0 of 1:
      // cli-progress shows a total of 0 as 100%.
      if (!bar) bar = bars.create(report.total, report.done, payload);
      else {
        bar.setTotal(report.total);
        bar.update(report.done, payload);
      }
    },
    note(line) {
      if (bar && !stopped) bars.log(`${line}\n`);
      else stream.write(`${line}\n`);
    },
    stop() {
      if (stopped) return;
      stopped = true;
      if (!bar) return;
      // Lines noted since the last redraw are printed by a redraw, which stop() alone does not do.
      bars.update();
      bars.stop();
    },
  };
}

export function renderReplaySummary(s: ReplaySummary): string {
  const kind = `${s.mode} from ${s.from}${s.resumed ? ', resumed' : ''}`;
  const lines = [
    s.completed ? `replay of ${s.followerId} complete (${kind})` : `replay of ${s.followerId} interrupted (${kind})`,
    `  read ${n(s.counts.records)} records in ${formatDuration(s.durationMs)} (${n(s.recordsPerSec)} records/s); wrote ${n(s.counts.written)} items, skipped ${n(s.counts.skipped)} older, ${n(s.counts.poison)} poison${s.counts.fenced > 0 ? `, ${n(s.counts.fenced)} fenced (records of deposed leaders)` : ''}`,
    `  from    ${offsets(s.starts) || '-'}`,
    `  target  ${offsets(s.targets) || '-'}`,
  ];
  if (s.completed) lines.push(`  handed over at ${offsets(s.handedOverAt)}: the follower's consumer group continues from here`);
  else lines.push(`  checkpoint ${offsets(s.handedOverAt)}: run the same command again to resume from here`);
  for (const note of s.notes) lines.push(`  note: ${note}`);
  return lines.join('\n');
}
