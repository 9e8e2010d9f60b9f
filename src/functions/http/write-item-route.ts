import { randomUUID } from 'node:crypto';
import { LeaderMovingError, ReplogError, StoreUnavailableError } from '../../core/errors';
import { parseItemBody } from '../../core/item-value';
import { writeItem } from '../../core/leader-write';
import { serverTiming, WriteStages } from '../../core/write-stages';
import { admitWrite } from '../../core/write-admission';
import { UncommittedWriteError, WriteFailureError } from '../../core/write-failures';
import type { Config } from '../../config/config';
import type { Instrumentation } from '../../core/instrumentation';
import type { LeaderWriteDeps } from '../../core/leader-write';
import type { SyncRoster } from '../../core/sync-roster';
import { requireAccess } from './api-key';
import { bodyText, json } from './http-edge';
import type { HttpEvent, HttpResult } from './http-types';
import type { WrittenItem } from '../../api/item-schemas';
import { ackModeOf, etag, expectedVersionOf, itemKeyOf, query, writeIdOf } from './request-params';

/**
 * What a write needs, and nothing else: the settings it reads, the roster it is admitted against,
 * the leader store, the ordered publisher, the acknowledger and where its outcome is reported. The
 * runtime has all of these (functions/runtime.ts); a test hands exactly these.
 */
export interface WriteDeps {
  config: Pick<Config, 'auth' | 'maxBodyBytes'> & { ack: Pick<Config['ack'], 'defaultMode'> };
  roster: Pick<SyncRoster, 'current'>;
  writeLeader: LeaderWriteDeps['leader'];
  leaderTerms: LeaderWriteDeps['terms'];
  deposedWrites: LeaderWriteDeps['deposed'];
  acknowledger: LeaderWriteDeps['acknowledger'];
  afterCommit: LeaderWriteDeps['afterCommit'];
  instrumentation: Pick<Instrumentation, 'emit'>;
}

/**
 * PUT and DELETE share one path through the leader: parse, write, map the outcome. The outcome
 * goes to the instrumentation stream (counters, logs, EMF in Lambda).
 */
export async function handleWrite(rt: WriteDeps, event: HttpEvent, op: 'put' | 'delete'): Promise<HttpResult> {
  requireAccess(event, rt.config.auth, 'write');
  const replica = query(event, 'replica');
  if (replica !== undefined && replica !== 'leader') {
    throw new ReplogError('READ_ONLY_REPLICA', 405, `${replica} is a read-only replica; writes go to the leader`, {
      details: { allow: 'GET' },
    });
  }
  const key = itemKeyOf(event);
  const ack = ackModeOf(event, rt.config.ack.defaultMode);
  const expectedVersion = expectedVersionOf(event);
  const writeId = writeIdOf(event) ?? randomUUID();
  const stages = new WriteStages();
  const value = op === 'put' ? parseItemBody(bodyText(event), rt.config.maxBodyBytes) : null;
  // The last check before the commit: nothing may refuse the write after it.
  admitWrite(ack, await rt.roster.current().catch((error: unknown) => Promise.reject(withCommitFacts(error, false))));
  const result = await writeItem(
    {
      leader: rt.writeLeader,
      terms: rt.leaderTerms,
      deposed: rt.deposedWrites,
      acknowledger: rt.acknowledger,
      clock: { now: Date.now },
      afterCommit: rt.afterCommit,
      stages,
    },
    { key, op, value, ack, writeId, ...(expectedVersion === undefined ? {} : { expectedVersion }) },
  ).catch((error: unknown) => {
    // writeItem throws a WriteFailureError for every failure after the commit; any other failed at the commit.
    const known = withCommitFacts(error, error instanceof StoreUnavailableError && error.mayHaveApplied ? null : false);
    if (known instanceof ReplogError) rt.instrumentation.emit({ type: 'write.failed', error: known });
    throw known;
  });
  rt.instrumentation.emit({ type: 'write.acknowledged', result });
  return json(200, result satisfies WrittenItem, { etag: etag(result.version), 'server-timing': serverTiming(stages) });
}

/**
 * A failure at or before the commit, as the client must see it: nothing committed (false), or not
 * known (null: the store may have applied a write whose answer was lost). 4xx need no such fact.
 */
function withCommitFacts(error: unknown, committed: false | null): unknown {
  // A leadership move says itself what happened (nothing committed, retry after the move).
  if (!(error instanceof ReplogError) || error.status < 500 || error instanceof WriteFailureError || error instanceof LeaderMovingError) return error;
  return new UncommittedWriteError(error, committed);
}
