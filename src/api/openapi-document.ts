import { z } from 'zod';
import { createDocument, type ZodOpenApiOperationObject, type ZodOpenApiResponsesObject } from 'zod-openapi';
import { ErrorBody } from './error-schemas';
import {
  AckModeParam,
  CursorParam,
  IfMatchHeader,
  Item,
  ItemKey,
  ItemPage,
  ItemValue,
  LimitParam,
  MaxWaitMsParam,
  MinVersionParam,
  ReplicaParam,
  WriteIdHeader,
  WrittenItem,
} from './item-schemas';
import { LeaderMoved, Liveness, Readiness, ReplicationStatus, SetLeaderBody, SetSyncFollowerBody, SyncFollowerSet } from './status-schemas';

/** What of the running deployment's settings the contract states (the defaults give docs/openapi.json). */
export interface ContractSettings {
  /** REPLOG_READ_MAX_WAIT_MS: the largest maxWaitMs a read accepts. */
  readMaxWaitMs: number;
}

export const DEFAULT_CONTRACT_SETTINGS: ContractSettings = { readMaxWaitMs: 10_000 };

const ERROR_MEANINGS: Record<string, string> = {
  '400': 'The request is invalid (BAD_KEY, BAD_QUERY, BAD_BODY): nothing was written.',
  '401': 'An API key is needed (the deployment sets REPLOG_API_KEY): nothing was written.',
  '403': 'The API key is not valid: nothing was written.',
  '404': 'No such item (NOT_FOUND).',
  '405': 'Writes go to the leader (READ_ONLY_REPLICA): nothing was written.',
  '409': 'CONFLICT, or NOT_LEADER (the writer’s term ended: nothing kept, send it again).',
  '412': 'If-Match did not match the item’s version (PRECONDITION_FAILED): nothing was written.',
  '413': 'The body is larger than REPLOG_MAX_BODY_BYTES (PAYLOAD_TOO_LARGE): nothing was written.',
  '500': 'A bug (INTERNAL); never retriable.',
  '503': 'A dependency is unavailable or leadership is moving (UNAVAILABLE, LEADER_MOVING); details.committedOnLeader says what happened to a write, retriable whether to send it again.',
  '504': 'Committed and in the log, but the replicas asked for did not confirm in time (REPLICATION_TIMEOUT); not retriable.',
};

function errors(...statuses: (keyof typeof ERROR_MEANINGS)[]): ZodOpenApiResponsesObject {
  return Object.fromEntries(
    statuses.map((s) => [s, { description: ERROR_MEANINGS[s] as string, content: { 'application/json': { schema: ErrorBody } } }]),
  ) as ZodOpenApiResponsesObject;
}

const jsonOf = (schema: z.ZodType, description: string, headers?: Record<string, z.ZodType>) => ({
  description,
  ...(headers ? { headers: z.object(headers) } : {}),
  content: { 'application/json': { schema } },
});

const serverTimingHeader = z
  .string()
  .meta({
    description:
      'Where the write’s time went, in milliseconds (W3C Server Timing): leader (finding who leads), commit (the leader’s store), publish (the key’s turn and the produce), term (the term check), wait (confirmations), total.',
    example: 'leader;dur=0.03, commit;dur=4.10, publish;dur=3.52, term;dur=0.01, wait;dur=11.80, total;dur=19.61',
  });
const etagHeader = z.string().regex(/^"[1-9][0-9]*"$/).meta({ description: 'The item’s version as a strong ETag.' });
const servedBy = z.string().meta({ description: 'Who answered: leader or a follower id.' });

// Writes and admin calls need the key when the deployment sets REPLOG_API_KEY; reads only with REPLOG_READS_REQUIRE_KEY.
const keyed: Record<string, string[]>[] = [{ apiKey: [] }, { bearer: [] }];
const optionallyKeyed: Record<string, string[]>[] = [{}, { apiKey: [] }, { bearer: [] }];

const itemPath = z.object({ key: ItemKey });

const writeOperation = (op: 'put' | 'delete'): ZodOpenApiOperationObject => ({
  operationId: op === 'put' ? 'putItem' : 'deleteItem',
  summary: op === 'put' ? 'Write an item on the leader' : 'Delete an item on the leader (a tombstone version)',
  description:
    'Committed on the leader, published to the replication log, then acknowledged per `ack`. A 4xx means nothing was written; a 5xx says in details.committedOnLeader whether it was.',
  tags: ['items'],
  security: keyed,
  requestParams: {
    path: itemPath,
    query: z.object({
      ack: AckModeParam.optional(),
      replica: z.enum(['leader']).optional().meta({ description: 'Writes go to the leader; any other replica is 405 READ_ONLY_REPLICA.' }),
    }),
    header: z.object({ 'if-match': IfMatchHeader.optional(), 'idempotency-key': WriteIdHeader.optional() }),
  },
  ...(op === 'put'
    ? { requestBody: { required: true, description: 'The item’s new value: any JSON value.', content: { 'application/json': { schema: ItemValue } } } }
    : {}),
  responses: {
    '200': jsonOf(WrittenItem, 'Written and acknowledged.', { etag: etagHeader, 'server-timing': serverTimingHeader }),
    ...errors('400', '401', '403', ...(op === 'delete' ? (['404'] as const) : []), '405', '409', '412', ...(op === 'put' ? (['413'] as const) : []), '500', '503', '504'),
  },
});

/** The HTTP API's contract, from the same zod schemas the handlers and the client use. */
export function openApiDocument(settings: ContractSettings = DEFAULT_CONTRACT_SETTINGS): ReturnType<typeof createDocument> {
  return createDocument({
    openapi: '3.1.0',
    info: {
      title: 'replog',
      version: '1',
      description:
        'Leader–follower replication from serverless parts. Writes commit on the leader’s DynamoDB table and go to followers through a Kafka log; reads choose a replica and a freshness. ' +
        'Every error answer has the Error shape. docs/openapi.json is this document for the default settings; GET /openapi.json is the running deployment’s own.',
      license: { name: 'Apache-2.0', identifier: 'Apache-2.0' },
    },
    tags: [{ name: 'items' }, { name: 'replication' }, { name: 'operations' }],
    components: {
      securitySchemes: {
        apiKey: { type: 'apiKey', in: 'header', name: 'x-api-key', description: 'REPLOG_API_KEY' },
        bearer: { type: 'http', scheme: 'bearer', description: 'REPLOG_API_KEY as a bearer token' },
      },
    },
    paths: {
      '/items/{key}': {
        put: writeOperation('put'),
        delete: writeOperation('delete'),
        get: {
          operationId: 'getItem',
          summary: 'Read an item from the leader or a follower',
          tags: ['items'],
          security: optionallyKeyed,
          requestParams: {
            path: itemPath,
            query: z.object({
              replica: ReplicaParam.optional(),
              minVersion: MinVersionParam.optional(),
              maxWaitMs: MaxWaitMsParam(settings.readMaxWaitMs).optional(),
              lossless: z
                .enum(['true', 'false'])
                .optional()
                .meta({ description: "Lossless read of the leader: answer a version only once the ack mode's followers confirmed it (default REPLOG_LOSSLESS_READS); 503 when that takes longer than REPLOG_READ_MAX_WAIT_MS." }),
            }),
          },
          responses: {
            '200': jsonOf(Item, 'The item as the answering replica holds it.', { etag: etagHeader, 'x-replog-replica': servedBy }),
            ...errors('400', '401', '403', '404', '500', '503'),
          },
        },
      },
      '/items': {
        get: {
          operationId: 'listItems',
          summary: 'List one replica’s live items, a page at a time',
          tags: ['items'],
          security: optionallyKeyed,
          requestParams: { query: z.object({ replica: ReplicaParam.optional(), limit: LimitParam.optional(), cursor: CursorParam.optional() }) },
          responses: {
            '200': jsonOf(ItemPage, 'One page; nextCursor is null on the last.', { 'x-replog-replica': servedBy }),
            ...errors('400', '401', '403', '500', '503'),
          },
        },
      },
      '/replication/status': {
        get: {
          operationId: 'getReplicationStatus',
          summary: 'Leader, followers, lag, health and counters',
          tags: ['replication'],
          security: optionallyKeyed,
          responses: { '200': jsonOf(ReplicationStatus, 'The status document.'), ...errors('401', '403', '500', '503') },
        },
      },
      '/replication/sync-follower': {
        post: {
          operationId: 'setSyncFollower',
          summary: 'Designate the sync follower (it must be attached and caught up)',
          tags: ['replication'],
          security: keyed,
          requestBody: { required: true, content: { 'application/json': { schema: SetSyncFollowerBody } } },
          responses: { '200': jsonOf(SyncFollowerSet, 'Designated.'), ...errors('400', '401', '403', '409', '413', '500', '503') },
        },
      },
      '/replication/leader': {
        post: {
          operationId: 'setLeader',
          summary: 'Move the leadership to another replica (planned switchover)',
          tags: ['replication'],
          security: keyed,
          requestBody: { required: true, content: { 'application/json': { schema: SetLeaderBody } } },
          responses: { '200': jsonOf(LeaderMoved, 'The new leader leads the new term.'), ...errors('400', '401', '403', '409', '413', '500', '503') },
        },
      },
      '/healthz': {
        get: {
          operationId: 'healthz',
          summary: 'Liveness: the process answers (touches neither store nor broker)',
          tags: ['operations'],
          responses: { '200': jsonOf(Liveness, 'Alive.') },
        },
      },
      '/readyz': {
        get: {
          operationId: 'readyz',
          summary: 'Readiness: the store and the broker both answer',
          tags: ['operations'],
          responses: { '200': jsonOf(Readiness, 'Ready.'), '503': jsonOf(Readiness, 'Not ready: `down` names the dependencies that did not answer.') },
        },
      },
      '/dashboard': {
        get: {
          operationId: 'dashboard',
          summary: 'The operators’ dashboard (an HTML page that polls the status)',
          tags: ['operations'],
          responses: { '200': { description: 'The page.', content: { 'text/html': { schema: z.string() } } } },
        },
      },
      '/metrics': {
        get: {
          operationId: 'metrics',
          summary: 'The replication figures in Prometheus text format (local processes; in Lambda they are EMF)',
          tags: ['operations'],
          security: optionallyKeyed,
          responses: {
            '200': { description: 'Prometheus exposition format 0.0.4.', content: { 'text/plain': { schema: z.string() } } },
            ...errors('401', '403', '404', '500'),
          },
        },
      },
      '/openapi.json': {
        get: {
          operationId: 'openApi',
          summary: 'This document',
          tags: ['operations'],
          responses: { '200': jsonOf(z.looseObject({ openapi: z.literal('3.1.0') }), 'The OpenAPI 3.1 document of this deployment.') },
        },
      },
    },
  });
}
