import { replayProgressBar } from '../../../src/cli/replay-output';
import { TerminalScreen } from '../../support/terminal-screen';

const report = (done: number, total: number) => ({
  done,
  total,
  ratePerSec: 0,
  etaMs: undefined,
  counts: { records: done, written: done, skipped: 0, poison: 0, fenced: 0 },
});

describe('the replay progress bar on a terminal', () => {
  it('given a resumed replay with nothing left to do, shows it complete: 100%, 0/0 events', () => {
    const screen = new TerminalScreen();
    const bar = replayProgressBar('replay follower-2', screen);
    bar.update(report(0, 0) as never);
    bar.stop();
    expect(screen.screen().find((l) => l.startsWith('replay follower-2'))).toContain('100% | 0/0 events');
  });

  it('given Ctrl-C (or a notice) while the bar is drawn, prints the line whole above the bar instead of through it', () => {
    const screen = new TerminalScreen();
    const bar = replayProgressBar('replay follower-2', screen);
    bar.update(report(10, 100) as never);
    bar.note('replog: SIGINT, stopping the replay at the next checkpoint… (again to exit at once)');
    bar.update(report(20, 100) as never);
    bar.stop();
    const lines = screen.screen().filter((l) => l !== '');
    expect(lines).toEqual([
      'replog: SIGINT, stopping the replay at the next checkpoint… (again to exit at once)',
      expect.stringMatching(/^replay follower-2 \[█+░+\] 20% \| 20\/100 events/),
    ]);
    // Once the bar is gone, lines go straight to the terminal.
    bar.note('replog: checkpoint written');
    expect(screen.screen().filter((l) => l !== '').at(-1)).toBe('replog: checkpoint written');
  });
});
