/**
 * Where a write's time went, stage by stage, so a slow write can be attributed instead of
 * guessed: finding who leads, waiting for room in the publish records' backlog (only when it is
 * full), the commit on the leader's store, the wait for the key's turn and
 * the produce, the term check after the publish, and the wait for confirmations. Answered to the
 * client as a `Server-Timing` header (W3C Server Timing) and read back by the benchmark.
 */
export const WRITE_STAGES = ['leader', 'backlog', 'commit', 'publish', 'term', 'wait'] as const;
export type WriteStage = (typeof WRITE_STAGES)[number];

export class WriteStages {
  private readonly spent = new Map<WriteStage, number>();
  private readonly startedAt: number;

  constructor(private readonly now: () => number = () => performance.now()) {
    this.startedAt = now();
  }

  /** Runs one stage and books its time, also when it fails (a failed publish still took its time). */
  async time<T>(stage: WriteStage, run: () => Promise<T>): Promise<T> {
    const started = this.now();
    try {
      return await run();
    } finally {
      this.spent.set(stage, (this.spent.get(stage) ?? 0) + (this.now() - started));
    }
  }

  /** Milliseconds per stage that ran, in the write's order. */
  durations(): { stage: WriteStage; ms: number }[] {
    return WRITE_STAGES.filter((s) => this.spent.has(s)).map((stage) => ({ stage, ms: this.spent.get(stage) as number }));
  }

  /** Since this write started. */
  totalMs(): number {
    return this.now() - this.startedAt;
  }
}

/** `leader;dur=0.04, commit;dur=3.1, …, total;dur=9.8`: the header's syntax (RFC 8941-style params), milliseconds. */
export function serverTiming(stages: WriteStages): string {
  const parts = stages.durations().map(({ stage, ms }) => `${stage};dur=${ms.toFixed(2)}`);
  parts.push(`total;dur=${stages.totalMs().toFixed(2)}`);
  return parts.join(', ');
}

/** The other direction, for clients and the benchmark: metric → milliseconds; entries without dur are left out. */
export function parseServerTiming(header: string | null | undefined): Map<string, number> {
  const out = new Map<string, number>();
  if (!header) return out;
  for (const entry of header.split(',')) {
    const [name, ...params] = entry.trim().split(';');
    if (!name) continue;
    for (const p of params) {
      const m = /^\s*dur\s*=\s*"?([0-9]+(?:\.[0-9]+)?)"?\s*$/.exec(p);
      if (m) out.set(name.trim(), Number(m[1]));
    }
  }
  return out;
}
