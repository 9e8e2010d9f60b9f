import type { CommittedWrite, LeaderStore } from './ports';

/** Enough for every write a process can have in flight when its term ends. */
const REMEMBERED = 10_000;

/**
 * Undoes the commits of a deposed writer on its old store. A key's deposed writes are the end of
 * its history there (the per-key publish order puts every later write of the key after the fence
 * too), so undoing goes back along that end: each undo that brings back the state of another
 * deposed write of this process undoes that one too, whichever of them is judged first.
 */
export class DeposedWrites {
  private readonly known = new Map<string, CommittedWrite>();

  /** Undoes `write` and whatever deposed writes it brings back; true when `write` itself was undone. */
  async undo(store: Pick<LeaderStore, 'revert'>, write: CommittedWrite): Promise<boolean> {
    this.remember(write);
    const undone = await store.revert(write);
    let next = undone ? this.known.get(write.previousWriteId ?? '') : undefined;
    while (next !== undefined) {
      const back = next;
      next = (await store.revert(back)) ? this.known.get(back.previousWriteId ?? '') : undefined;
    }
    return undone;
  }

  private remember(write: CommittedWrite): void {
    this.known.set(write.event.writeId, write);
    if (this.known.size > REMEMBERED) this.known.delete(this.known.keys().next().value as string);
  }
}
