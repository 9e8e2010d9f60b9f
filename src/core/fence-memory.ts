import { fencesFromTerms, type PassedFence } from './fence';
import type { TermStart } from './leadership';
import type { FenceStore } from './ports';

/**
 * What one replica knows of the fences in each partition: what it persisted as it passed them,
 * joined with the fences the control state recorded. Loaded once per partition per process; a
 * batch that meets a new fence persists it before the batch is confirmed.
 */
export class FenceMemory {
  private readonly loaded = new Map<number, PassedFence[]>();

  constructor(
    private readonly store: FenceStore,
    readonly replica: string,
  ) {}

  /** Every fence known in these partitions, for screening a batch (core/fence.ts). */
  async known(partitions: readonly number[], terms: readonly TermStart[]): Promise<(partition: number) => PassedFence[]> {
    const missing = partitions.filter((p) => !this.loaded.has(p));
    const loaded = await Promise.all(missing.map(async (p) => [p, await this.store.load(this.replica, p)] as const));
    for (const [p, fences] of loaded) this.loaded.set(p, fences);
    return (p) => [...(this.loaded.get(p) ?? []), ...fencesFromTerms(terms, p)];
  }

  /** Persists newly passed fences, then remembers them. */
  async remember(passed: ReadonlyMap<number, readonly PassedFence[]>): Promise<void> {
    for (const [p, fences] of passed) {
      const have = this.loaded.get(p) ?? [];
      const fresh = fences.filter((f) => !have.some((h) => h.term === f.term && h.offset === f.offset));
      if (fresh.length === 0) continue;
      await this.store.add(this.replica, p, fresh);
      this.loaded.set(p, [...have, ...fresh]);
    }
  }
}
