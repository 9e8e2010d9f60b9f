import { Writable } from 'node:stream';

/**
 * A terminal for tests: a writable TTY stream that applies what a progress bar writes (text, \r,
 * \n and the few ANSI cursor and erase sequences readline emits) to a grid of lines, so a test can
 * read the screen a person would see.
 */
export class TerminalScreen extends Writable {
  readonly isTTY = true;
  readonly columns = 160;
  readonly rows = 40;
  private lines: string[][] = [[]];
  private row = 0;
  private col = 0;

  override _write(chunk: Buffer | string, _encoding: BufferEncoding, done: () => void): void {
    this.apply(chunk.toString());
    done();
  }

  screen(): string[] {
    return this.lines.map((l) => l.join('').trimEnd());
  }

  private line(): string[] {
    while (this.lines.length <= this.row) this.lines.push([]);
    return this.lines[this.row] as string[];
  }

  private apply(text: string): void {
    for (let i = 0; i < text.length; i++) {
      const c = text[i] as string;
      if (c === '\u001b') {
        const csi = /^\[(\??)([0-9;]*)([A-Za-z])/.exec(text.slice(i + 1));
        if (csi) {
          this.control(csi[1] ?? '', Number(csi[2] || '0'), csi[3] ?? '');
          i += csi[0].length;
        } else i += 1; // ESC 7 / ESC 8: save and restore, unused by the bar's output here
        continue;
      }
      if (c === '\r') this.col = 0;
      else if (c === '\n') {
        this.row += 1;
        this.col = 0;
        this.line();
      } else {
        const line = this.line();
        while (line.length < this.col) line.push(' ');
        line[this.col] = c;
        this.col += 1;
      }
    }
  }

  private control(privateMode: string, n: number, command: string): void {
    if (privateMode) return; // cursor shown / hidden
    const line = this.line();
    switch (command) {
      case 'A':
        this.row = Math.max(0, this.row - (n || 1));
        break;
      case 'B':
        this.row += n || 1;
        break;
      case 'C':
        this.col += n || 1;
        break;
      case 'D':
        this.col = Math.max(0, this.col - (n || 1));
        break;
      case 'G':
        this.col = Math.max(0, (n || 1) - 1);
        break;
      case 'K':
        if (n === 2) line.length = 0;
        else if (n === 1) for (let x = 0; x <= this.col && x < line.length; x++) line[x] = ' ';
        else line.length = Math.min(line.length, this.col);
        break;
      case 'J':
        line.length = Math.min(line.length, this.col);
        this.lines.length = this.row + 1;
        break;
    }
  }
}
