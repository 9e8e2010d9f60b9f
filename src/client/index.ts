import { z } from 'zod';
import { Item, ItemPage, WrittenItem } from '../api/item-schemas';
import { ReplicationStatus, SyncFollowerSet } from '../api/status-schemas';
import { NotFoundError, type ReplogClientError } from './errors';
import { newWriteId, type Request, Transport, type TransportOptions } from './http';
import { SessionVersions } from './session';

export * from './errors';
export type { RetryEvent, RetryPolicy } from './http';
export { DEFAULT_RETRY } from './http';
export type { Item, ItemPage, WrittenItem } from '../api/item-schemas';
export type { LeaderMoved, ReplicationStatus, SyncFollowerSet } from '../api/status-schemas';
export type { ErrorCode } from '../core/errors';

/** `leader` (always current), `any` (the healthy follower with the least lag) or a replica id. */
export type Replica = 'leader' | 'any' | (string & {});
/** `async`, `semi-sync`, `sync` or `quorum:K`. */
export type AckMode = 'async' | 'semi-sync' | 'sync' | `quorum:${number}`;

export interface ClientOptions extends TransportOptions {
  /** Where reads go unless a call says otherwise. Default `leader`. */
  readFrom?: Replica;
  /** The acknowledgement writes ask for unless a call says otherwise. Default: the server's. */
  ack?: AckMode;
}

export interface WriteOptions {
  ack?: AckMode;
  /** Write only if the item is at exactly this version (If-Match); 412 PreconditionFailedError otherwise. */
  ifVersion?: number;
  /** The write's id (Idempotency-Key). Default: a new UUID, kept across the client's own retries. */
  writeId?: string;
}

export interface ReadOptions {
  replica?: Replica;
  /** A follower answers only once it holds at least this version; after maxWaitMs the leader does. */
  minVersion?: number;
  maxWaitMs?: number;
}

export interface ListOptions {
  replica?: Replica;
  /** Items per page, 1–1000 (the server's default: 100). */
  limit?: number;
}

const Answerless = z.unknown();

/**
 * A typed client for replog's HTTP API (docs/openapi.json): every answer is checked against the
 * contract's zod schemas, every failure is a typed ReplogClientError, and calls that are safe to
 * send again (reads; writes, which always carry a writeId) are retried with backoff on 503, on
 * NOT_LEADER and when no answer came. `session()` adds read-your-writes and monotonic reads.
 */
export class ReplogClient {
  private readonly transport: Transport;

  constructor(readonly options: ClientOptions) {
    this.transport = new Transport(options);
  }

  /** A session: its follower reads never see a key older than the session wrote or read (see SessionVersions). */
  session(options: { token?: string; readFrom?: Replica } = {}): ReplogSession {
    return new ReplogSession(this, new SessionVersions(options.token), options.readFrom ?? this.options.readFrom ?? 'any');
  }

  put(key: string, value: unknown, options: WriteOptions = {}): Promise<WrittenItem> {
    return this.write('PUT', key, value, options);
  }

  delete(key: string, options: WriteOptions = {}): Promise<WrittenItem> {
    return this.write('DELETE', key, undefined, options);
  }

  /** The item, or undefined when the answering replica has no such item. */
  async get(key: string, options: ReadOptions = {}): Promise<Item | undefined> {
    const replica = options.replica ?? this.options.readFrom;
    try {
      const answer = await this.transport.send(
        {
          method: 'GET',
          path: itemPath(key),
          query: { ...(replica === undefined || replica === 'leader' ? {} : { replica }), minVersion: options.minVersion, maxWaitMs: options.maxWaitMs },
          idempotent: true,
        },
        Item,
      );
      return answer.body;
    } catch (error) {
      if (error instanceof NotFoundError) return undefined;
      throw error;
    }
  }

  /** One replica's live items, a page at a time (each page as the server sent it), until the last. */
  async *list(options: ListOptions = {}): AsyncGenerator<ItemPage, void, undefined> {
    const replica = options.replica ?? this.options.readFrom;
    let cursor: string | undefined;
    do {
      const answer = await this.transport.send(
        { method: 'GET', path: '/items', query: { ...(replica === undefined || replica === 'leader' ? {} : { replica }), limit: options.limit, cursor }, idempotent: true },
        ItemPage,
      );
      yield answer.body;
      cursor = answer.body.nextCursor ?? undefined;
    } while (cursor !== undefined);
  }

  async status(): Promise<ReplicationStatus> {
    return (await this.transport.send({ method: 'GET', path: '/replication/status', idempotent: true }, ReplicationStatus)).body;
  }

  /** Designates the sync follower (admin). It must be attached and caught up (409 ConflictError otherwise). */
  async setSyncFollower(followerId: string): Promise<SyncFollowerSet> {
    // Designating the same follower twice changes nothing, so it may be sent again.
    return (await this.transport.send({ method: 'POST', path: '/replication/sync-follower', body: { followerId }, idempotent: true }, SyncFollowerSet)).body;
  }

  /** Whether the server answers /readyz with ready (the store and the broker both answer). */
  async ready(): Promise<boolean> {
    try {
      await this.transport.send({ method: 'GET', path: '/readyz', idempotent: false }, Answerless);
      return true;
    } catch (error) {
      if ((error as ReplogClientError).status === 503) return false;
      throw error;
    }
  }

  private async write(method: 'PUT' | 'DELETE', key: string, value: unknown, options: WriteOptions): Promise<WrittenItem> {
    const writeId = options.writeId ?? newWriteId();
    const ack = options.ack ?? this.options.ack;
    const request: Request = {
      method,
      path: itemPath(key),
      query: { ack },
      headers: { 'idempotency-key': writeId, ...(options.ifVersion === undefined ? {} : { 'if-match': `"${options.ifVersion}"` }) },
      ...(method === 'PUT' ? { body: value === undefined ? null : value } : {}),
      idempotent: true,
      // A failure that says the write was committed as version V: the next attempt expects V, so it is
      // answered from V if V is still the newest (the writeId), and 412 if a later write replaced it.
      adjust: (failure, current) => {
        const version = failure.details?.version;
        if (options.ifVersion !== undefined || failure.committedOnLeader !== true || typeof version !== 'number') return current;
        return { ...current, headers: { ...current.headers, 'if-match': `"${version}"` } };
      },
    };
    return (await this.transport.send(request, WrittenItem)).body;
  }
}

/**
 * A client session (see SessionVersions): follower reads send `minVersion` for keys the session
 * wrote or read, and every answer raises what the session knows. `token()` hands it on.
 */
export class ReplogSession {
  constructor(
    private readonly client: ReplogClient,
    private readonly versions: SessionVersions,
    readonly readFrom: Replica,
  ) {}

  async put(key: string, value: unknown, options: WriteOptions = {}): Promise<WrittenItem> {
    const written = await this.client.put(key, value, options);
    this.versions.observe(key, written.version);
    return written;
  }

  async delete(key: string, options: WriteOptions = {}): Promise<WrittenItem> {
    const written = await this.client.delete(key, options);
    this.versions.observe(key, written.version);
    return written;
  }

  async get(key: string, options: ReadOptions = {}): Promise<Item | undefined> {
    const replica = options.replica ?? this.readFrom;
    const floor = this.versions.floor(key);
    const minVersion = replica === 'leader' ? options.minVersion : maxOf(options.minVersion, floor);
    const item = await this.client.get(key, { ...options, replica, ...(minVersion === undefined ? {} : { minVersion }) });
    if (item !== undefined) this.versions.observe(key, item.version);
    return item;
  }

  /** Pages as the replica holds them (a list cannot wait for versions); the versions seen raise the session's floors. */
  async *list(options: ListOptions = {}): AsyncGenerator<ItemPage, void, undefined> {
    for await (const page of this.client.list({ ...options, replica: options.replica ?? this.readFrom })) {
      for (const item of page.items) this.versions.observe(item.key, item.version);
      yield page;
    }
  }

  /** The version this session reads `key` at or after, if it knows one. */
  floor(key: string): number | undefined {
    return this.versions.floor(key);
  }

  /** A serialisable token: `client.session({ token })` in another process goes on from here. */
  token(): string {
    return this.versions.token();
  }
}

const itemPath = (key: string) => `/items/${encodeURIComponent(key)}`;

function maxOf(a: number | undefined, b: number | undefined): number | undefined {
  if (a === undefined) return b;
  if (b === undefined) return a;
  return Math.max(a, b);
}
