import { translateDynamoError } from '../../../src/adapters/dynamodb/dynamo-errors';
import { translateKafkaError } from '../../../src/adapters/kafka/kafka-errors';
import { loadConfig } from '../../../src/config/config';
import { SyncRoster } from '../../../src/core/sync-roster';
import { LeaderMovingError, UnavailableError, ValidationError } from '../../../src/core/errors';
import { Instrumentation } from '../../../src/core/instrumentation';
import { withHttpEdge } from '../../../src/functions/http/http-edge';
import type { HttpEvent } from '../../../src/functions/http/http-types';
import { handleWrite, type WriteDeps } from '../../../src/functions/http/write-item-route';
import { InMemoryControlStore, silentLog } from '../../support/in-memory-stores';

interface Logged {
  message: string;
  extra: Record<string, unknown>;
}

function capturingLog(into: Logged[]) {
  const at = (message: string, extra: Record<string, unknown> = {}) => into.push({ message, extra });
  return { debug: at, info: at, warn: at, error: at };
}

const event = (path = '/items/a', key = 'a'): HttpEvent =>
  ({ rawPath: path, rawQueryString: '', headers: {}, pathParameters: { key }, body: '{"n":1}', isBase64Encoded: false, requestContext: { requestId: 'req-1' } }) as unknown as HttpEvent;

const answer = async (thrown: unknown) => {
  const logged: Logged[] = [];
  const handler = withHttpEdge(() => capturingLog(logged), 'PUT /items/{key}', async () => {
    throw thrown;
  });
  const res = await handler(event());
  return { status: res.statusCode, body: JSON.parse(res.body ?? '{}') as { error: Record<string, unknown> }, logged };
};

/** The SDK's own failure, as DynamoDB's client throws it. */
const sdkTimeout = () => Object.assign(new Error('Socket timed out without establishing a connection within 5000 ms'), { name: 'TimeoutError', $metadata: {} });

describe('5xx answers say what a client can use, and no more', () => {
  it('given a DynamoDB failure, answers 503 with the code, retriable and the request id; the SDK text and table name are only in the log, with the whole Error', async () => {
    const thrown = translateDynamoError(sdkTimeout(), 'UpdateItem', 'replog-leader');
    const { status, body, logged } = await answer(thrown);
    expect(status).toBe(503);
    expect(body.error).toMatchObject({ code: 'UNAVAILABLE', retriable: true, requestId: 'req-1' });
    const text = JSON.stringify(body);
    expect(text).not.toContain('replog-leader');
    expect(text).not.toContain('Socket timed out');
    expect(text).not.toContain('UpdateItem');
    expect(logged).toHaveLength(1);
    const error = logged[0]?.extra.error as Error;
    expect(error).toBe(thrown);
    expect(error.message).toContain('replog-leader');
    expect((error.cause as Error).name).toBe('TimeoutError');
    expect(error.stack).toEqual(expect.any(String));
  });

  it('given a write committed but not published, keeps the committed-on-leader facts and the message built from them', async () => {
    const thrown = new UnavailableError('version 3 of "a" is committed on the leader but not yet in the replication log; the outbox relay will publish it', {
      cause: translateKafkaError(new Error('Connection error: connect ECONNREFUSED 10.0.0.7:9092'), 'produce'),
      details: { key: 'a', version: 3, committedOnLeader: true, published: false },
    });
    const { status, body } = await answer(thrown);
    expect(status).toBe(503);
    expect(body.error).toEqual({
      code: 'UNAVAILABLE',
      message: 'version 3 of "a" is committed on the leader but not yet in the replication log; the outbox relay will publish it',
      details: { key: 'a', version: 3, committedOnLeader: true, published: false },
      retriable: true,
      requestId: 'req-1',
    });
  });

  it.each([
    ['a TypeError', new TypeError("Cannot read properties of undefined (reading 'version')")],
    ['a RangeError', new RangeError('Invalid array length')],
    ['a plain Error nobody translated', new Error('something unexpected')],
  ])('given %s, answers 500 INTERNAL, not retriable', async (_what, thrown) => {
    const { status, body } = await answer(thrown);
    expect(status).toBe(500);
    expect(body.error).toMatchObject({ code: 'INTERNAL', message: 'internal error', retriable: false, requestId: 'req-1' });
  });

  it('given a bug behind a dependency error (a TypeError inside the publish), answers 500 not retriable, and keeps the committed facts', async () => {
    const thrown = new UnavailableError('version 3 of "a" is committed on the leader but not yet in the replication log; the outbox relay will publish it', {
      cause: new TypeError('event.key.toUpperCase is not a function'),
      details: { key: 'a', version: 3, committedOnLeader: true, published: false },
    });
    const { status, body } = await answer(thrown);
    expect(status).toBe(500);
    expect(body.error).toMatchObject({ code: 'INTERNAL', retriable: false, details: { committedOnLeader: true, published: false } });
  });

  it('given a 4xx whose cause is a SyntaxError (a body that is not JSON), stays the 400 it is', async () => {
    let cause: unknown;
    try {
      JSON.parse('{"n":');
    } catch (error) {
      cause = error;
    }
    const { status, body } = await answer(new ValidationError('BAD_BODY', 'the body must be JSON', { cause }));
    expect(status).toBe(400);
    expect(body.error).toMatchObject({ code: 'BAD_BODY', message: 'the body must be JSON' });
  });

  it('given a response body the SDK could not parse (its SyntaxError), calls it an outage of the store, not a bug', () => {
    const garbled = Object.assign(new SyntaxError('Unexpected token < in JSON at position 0'), { $responseBodyText: '<html>' });
    expect(translateDynamoError(garbled, 'GetItem', 't')).toMatchObject({ status: 503, retriable: true });
  });

  it('given a bug inside an adapter, the translators never call it a retriable outage', () => {
    expect(translateKafkaError(new TypeError('x is not a function'), 'produce')).toMatchObject({ status: 500, code: 'INTERNAL', retriable: false });
    expect(translateDynamoError(new RangeError('Maximum call stack size exceeded'), 'UpdateItem', 't')).toMatchObject({ status: 500, retriable: false });
    expect(translateDynamoError(Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' }), 'UpdateItem', 't')).toMatchObject({
      status: 503,
      retriable: true,
    });
  });
});

describe('a write that fails at the commit says whether anything was committed', () => {
  function runtimeWithFailingCommit(failure: unknown): WriteDeps {
    const config = loadConfig({ REPLOG_ACK_MODE: 'async' });
    const roster = new SyncRoster(new InMemoryControlStore(), { followers: config.followers, syncFollower: config.syncFollower }, silentLog);
    return {
      config,
      roster,
      writeLeader: async () => ({
        replica: 'main',
        term: 1,
        store: { commit: async () => Promise.reject(translateDynamoError(failure, 'UpdateItem', 'replog-leader')), revert: async () => false },
        publisher: { backlogFull: false, room: async () => undefined, hold: () => undefined, release: () => undefined, publishCommitted: async () => Promise.reject(new Error('never called')), committedPosition: async () => undefined },
      }),
      leaderTerms: { judge: async () => Promise.reject(new Error('never called')) },
      deposedWrites: { undo: async () => Promise.reject(new Error('never called')) },
      acknowledger: { acknowledge: async () => Promise.reject(new Error('never called')) },
      afterCommit: undefined,
      instrumentation: new Instrumentation(),
    };
  }
  const put = (rt: WriteDeps) => withHttpEdge(() => silentLog, 'PUT /items/{key}', (e) => handleWrite(rt, e, 'put'))(event());

  it('given a throttled commit (DynamoDB never ran it), says nothing was committed', async () => {
    const res = await put(runtimeWithFailingCommit(Object.assign(new Error('Rate exceeded for table replog-leader'), { name: 'ThrottlingException', $metadata: { httpStatusCode: 400 } })));
    const body = JSON.parse(res.body ?? '{}') as { error: Record<string, unknown> };
    expect(res.statusCode).toBe(503);
    expect(body.error).toMatchObject({ code: 'UNAVAILABLE', details: { committedOnLeader: false, published: false }, retriable: true });
    expect(body.error.message).toBe('nothing was committed: the store is unavailable; the write can be retried');
    expect(JSON.stringify(body)).not.toContain('replog-leader');
  });

  it('given a commit whose answer was lost (a timeout), says it may or may not be committed', async () => {
    const res = await put(runtimeWithFailingCommit(sdkTimeout()));
    const body = JSON.parse(res.body ?? '{}') as { error: Record<string, unknown> };
    expect(res.statusCode).toBe(503);
    expect(body.error).toMatchObject({ details: { committedOnLeader: null, published: false } });
    expect(body.error.message).toBe('the store did not confirm the commit: the write may or may not be committed; read the item before retrying');
  });
});

describe('a write while leadership moves', () => {
  it('given a move that outlasts the write wait, answers 503 LEADER_MOVING with Retry-After, nothing committed', async () => {
    const config = loadConfig({ REPLOG_ACK_MODE: 'async' });
    const roster = new SyncRoster(new InMemoryControlStore(), { followers: config.followers, syncFollower: config.syncFollower }, silentLog);
    const moving = new LeaderMovingError('leadership is moving from main to follower-1 (term 2, switchover); waited 3000 ms; nothing was committed, send the write again', 1000, {
      details: { leader: 'main', term: 1, movingTo: 'follower-1', nextTerm: 2 },
    });
    const rt: WriteDeps = {
      config,
      roster,
      writeLeader: async () => Promise.reject(moving),
      leaderTerms: { judge: async () => Promise.reject(new Error('never called')) },
      deposedWrites: { undo: async () => Promise.reject(new Error('never called')) },
      acknowledger: { acknowledge: async () => Promise.reject(new Error('never called')) },
      afterCommit: undefined,
      instrumentation: new Instrumentation(),
    };
    const res = await withHttpEdge(() => silentLog, 'PUT /items/{key}', (e) => handleWrite(rt, e, 'put'))(event());
    const body = JSON.parse(res.body ?? '{}') as { error: Record<string, unknown> };
    expect(res.statusCode).toBe(503);
    expect(res.headers?.['retry-after']).toBe('1');
    expect(body.error).toMatchObject({
      code: 'LEADER_MOVING',
      retriable: true,
      details: { committedOnLeader: false, leader: 'main', movingTo: 'follower-1', nextTerm: 2 },
    });
    expect(body.error.message).toContain('leadership is moving from main to follower-1');
  });
});
