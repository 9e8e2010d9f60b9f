/** The item every benchmark write carries: small, JSON, about the size of a typical record (~100 bytes). */
export function benchValue(n: number): { n: number; at: number; tag: string } {
  return { n, at: Date.now(), tag: 'replog-bench-0123456789abcdef0123456789abcdef0123456789abcdef' };
}

/** Keys drawn at random from a fixed key space, so writes mix inserts and updates as a real table does. */
export function randomKey(prefix: string, keySpace: number): string {
  return `${prefix}${Math.floor(Math.random() * keySpace)}`;
}
