import { z } from 'zod';

/** How many keys a session remembers; the oldest are forgotten first (a read of them is then only as fresh as the replica). */
export const SESSION_MAX_KEYS = 10_000;

const TokenSchema = z.object({ v: z.literal(1), keys: z.record(z.string(), z.number().int().min(1)) });

/**
 * What a session knows: per key, the newest version it wrote or read. Follower reads ask for at
 * least that version (`minVersion`), so a session reads its own writes and never reads a key
 * older than it already saw (read-your-writes and monotonic reads, as MongoDB's causal sessions
 * give). The token carries this to another process: `client.session({ token })` there goes on
 * where this one stands.
 */
export class SessionVersions {
  private readonly versions = new Map<string, number>();

  constructor(token?: string) {
    if (token === undefined) return;
    let raw: unknown;
    try {
      raw = JSON.parse(Buffer.from(token, 'base64url').toString('utf8'));
    } catch (cause) {
      throw new Error('not a replog session token', { cause });
    }
    const parsed = TokenSchema.safeParse(raw);
    if (!parsed.success) throw new Error(`not a replog session token: ${parsed.error.issues[0]?.message}`);
    for (const [key, version] of Object.entries(parsed.data.keys)) this.observe(key, version);
  }

  /** The version a read of `key` must see at least, if the session knows one. */
  floor(key: string): number | undefined {
    return this.versions.get(key);
  }

  /** A version this session wrote or read: the floor only ever rises. */
  observe(key: string, version: number): void {
    const held = this.versions.get(key);
    if (held !== undefined && held >= version) return;
    this.versions.delete(key);
    this.versions.set(key, version);
    if (this.versions.size > SESSION_MAX_KEYS) {
      const oldest = this.versions.keys().next().value;
      if (oldest !== undefined) this.versions.delete(oldest);
    }
  }

  /** A string to hand to another process (base64url JSON): its session starts from these versions. */
  token(): string {
    return Buffer.from(JSON.stringify({ v: 1, keys: Object.fromEntries(this.versions) }), 'utf8').toString('base64url');
  }
}
