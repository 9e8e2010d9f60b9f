import { InternalError, programmingErrorIn, ReplogError } from '../../core/errors';

/**
 * What an error answer tells a client. 4xx messages are written for clients (what was wrong with
 * the request). A 5xx keeps its code, whether a retry makes sense, the facts about the write the
 * client can act on (committed on the leader? published? key, version, position, acknowledgement)
 * and a message built from those facts; the dependency's own text and resource names (an SDK
 * message, a table name) go only to the log, with the whole error.
 */
const CLIENT_FACTS = ['key', 'version', 'position', 'committedOnLeader', 'published', 'ack', 'leader', 'term', 'movingTo', 'nextTerm', 'reason'] as const;

export interface ErrorBody {
  code: string;
  message: string;
  details?: Record<string, unknown>;
  retriable?: boolean;
}

/**
 * Unknown failures and bugs (TypeError, RangeError…) are 500 and non-retriable: retrying cannot fix
 * them. A 4xx stays what it is, whatever its cause (a body that is not JSON has a SyntaxError behind
 * its 400).
 */
export function asAnswerable(error: unknown): ReplogError {
  if (error instanceof ReplogError) {
    if (error.status < 500 || error.code === 'INTERNAL' || !programmingErrorIn(error.cause)) return error;
    return new InternalError(error.message, { cause: error, ...(error.details ? { details: error.details } : {}) });
  }
  return new InternalError('internal error', { cause: error });
}

const dependencyName = (d: unknown) => (d === 'store' ? 'the store' : d === 'log' ? 'the replication log' : 'a dependency');

function serverMessage(error: ReplogError, facts: Record<string, unknown>): string {
  // Messages of committed writes are built by the core from the write's own facts (leader-write.ts,
  // the acknowledger), and so are those of a leadership move (leader-terms.ts): no SDK text in them.
  if (facts.committedOnLeader === true || error.code === 'LEADER_MOVING') return error.message;
  const dependency = dependencyName(error.details?.dependency);
  const why = typeof facts.reason === 'string' ? ` (${facts.reason})` : '';
  if (facts.committedOnLeader === false) return `nothing was committed: ${dependency} is unavailable${why}; the write can be retried`;
  if (facts.committedOnLeader === null) {
    return `${dependency} did not confirm the commit: the write may or may not be committed; read the item before retrying`;
  }
  if (typeof facts.reason === 'string') return `${dependency} is unavailable (${facts.reason}); try again`;
  return error.code === 'UNAVAILABLE' ? `${dependency} is unavailable; try again` : 'internal error';
}

export function errorBody(error: ReplogError): ErrorBody {
  if (error.status < 500) return { code: error.code, message: error.message, ...(error.details ? { details: error.details } : {}) };
  const facts = Object.fromEntries(CLIENT_FACTS.filter((k) => error.details?.[k] !== undefined).map((k) => [k, error.details?.[k]]));
  return {
    code: error.code,
    message: serverMessage(error, facts),
    ...(Object.keys(facts).length > 0 ? { details: facts } : {}),
    retriable: error.retriable,
  };
}
