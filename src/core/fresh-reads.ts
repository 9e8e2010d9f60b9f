/**
 * Fresh reads of the control state, shared: a caller asks for a view read *after* a moment (its
 * publish finished), and one consistent read serves every caller whose moment came before that
 * read was sent. Under load, one read confirms a whole round of writes; an idle process reads
 * nothing.
 */
export class FreshReads<V> {
  private inFlight: { sentAt: number; result: Promise<V> } | undefined;
  private queued: { result: Promise<V> } | undefined;

  constructor(
    private readonly read: () => Promise<V>,
    private readonly now: () => number,
  ) {}

  /** A view whose read was sent at or after `since`. */
  after(since: number): Promise<V> {
    const current = this.inFlight;
    if (current !== undefined && current.sentAt >= since) return current.result;
    if (current === undefined) return this.send().result;
    // The read in flight was sent too early for this caller: one more read, after it, serves every such caller.
    this.queued ??= {
      result: current.result
        .catch(() => undefined)
        .then(() => {
          this.queued = undefined;
          return this.send().result;
        }),
    };
    return this.queued.result;
  }

  private send(): { sentAt: number; result: Promise<V> } {
    const sentAt = this.now();
    const flight = {
      sentAt,
      result: this.read().finally(() => {
        if (this.inFlight === flight) this.inFlight = undefined;
      }),
    };
    this.inFlight = flight;
    return flight;
  }
}
