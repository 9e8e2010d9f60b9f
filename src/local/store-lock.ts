import { closeSync, mkdirSync, openSync, readFileSync, rmSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { ConflictError } from '../core/errors';

/**
 * One process at a time opens the store kept on disk under the data folder: two would corrupt it
 * (dynalite's LevelDB refuses a second opener with an uncaught "Database is not open"). The lock
 * is a file created exclusively, holding the owner's pid and command; a lock whose pid is gone is
 * stale and taken over.
 */
const FILE = 'store.lock';

export interface StoreLock {
  release(): void;
}

interface Holder {
  pid: number;
  command: string;
}

function holderOf(path: string): Holder | undefined {
  try {
    const parsed = JSON.parse(readFileSync(path, 'utf8')) as Partial<Holder>;
    return typeof parsed.pid === 'number' ? { pid: parsed.pid, command: String(parsed.command ?? 'replog') } : undefined;
  } catch {
    return undefined;
  }
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: the process exists but belongs to someone else.
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

export function lockStore(dataDir: string, command: string): StoreLock {
  mkdirSync(dataDir, { recursive: true });
  const path = join(dataDir, FILE);
  for (let attempt = 0; attempt < 3; attempt++) {
    let fd: number;
    try {
      fd = openSync(path, 'wx');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      const holder = holderOf(path);
      if (holder && holder.pid !== process.pid && alive(holder.pid)) {
        throw new ConflictError(
          `${holder.command} is already running here (pid ${holder.pid}) and holds the store in ${dataDir}; stop it first (Ctrl-C, or kill ${holder.pid})`,
          { details: { pid: holder.pid } },
        );
      }
      // Stale (its process is gone) or half-written: take it over.
      rmSync(path, { force: true });
      continue;
    }
    writeSync(fd, JSON.stringify({ pid: process.pid, command }));
    closeSync(fd);
    return {
      release: () => {
        if (holderOf(path)?.pid === process.pid) rmSync(path, { force: true });
      },
    };
  }
  throw new ConflictError(`could not take the store lock ${path}; another replog keeps taking it`);
}
