import { performance } from 'node:perf_hooks';
import { Presets, SingleBar } from 'cli-progress';

/**
 * One progress bar per benchmark section on stderr (results go to stdout and files). Where stderr
 * is not a terminal, a line per section start and end says the same.
 */
export class SectionProgress {
  private bar: SingleBar | undefined;
  private started = 0;
  private name = '';

  start(name: string, total: number, unit: string): void {
    this.stop();
    this.name = name;
    this.started = performance.now();
    if (process.stderr.isTTY) {
      this.bar = new SingleBar(
        { format: `${name.padEnd(28)} |{bar}| {value}/{total} ${unit} {detail}`, hideCursor: true, clearOnComplete: false },
        Presets.shades_classic,
      );
      this.bar.start(total, 0, { detail: '' });
    } else {
      process.stderr.write(`bench: ${name} …\n`);
    }
  }

  update(value: number, detail = ''): void {
    this.bar?.update(value, { detail });
  }

  /** Moves the total (when a section learns its real size on the way). */
  setTotal(total: number): void {
    this.bar?.setTotal(total);
  }

  stop(): void {
    if (!this.name) return;
    const seconds = ((performance.now() - this.started) / 1000).toFixed(1);
    if (this.bar) {
      this.bar.stop();
      this.bar = undefined;
    }
    process.stderr.write(`bench: ${this.name} done in ${seconds} s\n`);
    this.name = '';
  }
}
