import { GetCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { marshall } from '@aws-sdk/util-dynamodb';
import { conditionally } from '../../../src/adapters/dynamodb/conditional-write';
import { DynamoLeaderTable } from '../../../src/adapters/dynamodb/leader-table';
import { PreconditionFailedError, StoreUnavailableError } from '../../../src/core/errors';

/** DynamoDB's answer to a failed condition, with the item as it was when the request asked for it. */
const refusal = (item?: Record<string, unknown>) =>
  Object.assign(new Error('The conditional request failed'), {
    name: 'ConditionalCheckFailedException',
    $metadata: { httpStatusCode: 400 },
    ...(item ? { Item: marshall(item) } : {}),
  });

/** A document client that answers every request from `answer` and records what was sent. */
function client(answer: (command: unknown) => unknown) {
  const sent: unknown[] = [];
  const send = async (command: unknown) => {
    sent.push(command);
    const out = answer(command);
    if (out instanceof Error) throw out;
    return out;
  };
  return { sent, client: { send } as unknown as DynamoDBDocumentClient };
}

describe('conditional writes', () => {
  it('tells a failed condition apart from a failure, and hands back the item the refusal carried', async () => {
    await expect(conditionally(async () => 'out', 'PutItem', 't')).resolves.toEqual({ applied: true, output: 'out' });
    await expect(conditionally(() => Promise.reject(refusal({ pk: 'a', version: 4 })), 'PutItem', 't')).resolves.toEqual({
      applied: false,
      held: { pk: 'a', version: 4 },
    });
    await expect(conditionally(() => Promise.reject(refusal()), 'PutItem', 't')).resolves.toEqual({ applied: false, held: undefined });
    const timeout = Object.assign(new Error('timed out'), { name: 'TimeoutError', $metadata: {} });
    await expect(conditionally(() => Promise.reject(timeout), 'PutItem', 't')).rejects.toBeInstanceOf(StoreUnavailableError);
  });

  it('given an If-Match refused with the item in the refusal, explains it without reading the item again', async () => {
    const { sent, client: c } = client(() => refusal({ pk: 'a', version: 7, deleted: false, doc: '1', updatedAt: 1 }));
    const failure = await new DynamoLeaderTable(c, 'leader')
      .commit({ key: 'a', op: 'put', value: 2, expectedVersion: 5, writeId: 'w', now: 2, term: 1 })
      .catch((e: unknown) => e);
    expect(failure).toBeInstanceOf(PreconditionFailedError);
    expect((failure as PreconditionFailedError).details).toMatchObject({ expectedVersion: 5, currentVersion: 7 });
    expect(sent).toHaveLength(1);
    expect((sent[0] as { input: Record<string, unknown> }).input).toMatchObject({ ReturnValuesOnConditionCheckFailure: 'ALL_OLD' });
  });

  it('given a store that sends no item with the refusal (dynalite), reads it to explain the refusal', async () => {
    const { sent, client: c } = client((command) => (command instanceof GetCommand ? { Item: { pk: 'a', version: 3, deleted: false, doc: '1', updatedAt: 1 } } : refusal()));
    const failure = await new DynamoLeaderTable(c, 'leader')
      .commit({ key: 'a', op: 'put', value: 2, expectedVersion: 5, writeId: 'w', now: 2, term: 1 })
      .catch((e: unknown) => e);
    expect((failure as PreconditionFailedError).details).toMatchObject({ currentVersion: 3 });
    expect(sent[1]).toBeInstanceOf(GetCommand);
  });
});
