import { type DynamoDBDocumentClient, GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import { type ControlState, DEFAULT_LEADER_REPLICA, firstTerm, type SyncChange } from '../../core/control-state';
import type { ControlStore } from '../../core/ports';
import { UnavailableError } from '../../core/errors';
import { conditionally, conditionalWrite, HELD_ON_REFUSAL } from './conditional-write';
import { translateDynamoError } from './dynamo-errors';

const CONTROL_KEY = 'control';

/**
 * The control state is one item: `revision` as a number for the CAS condition, the rest as JSON.
 * Strongly consistent reads, because a stale read would only make the next CAS fail anyway.
 *
 * Items written before the CAS counter was named `revision` carry it as `epoch` (the top-level
 * attribute, the state and its history entries): they load with `epoch` read as the revision, and
 * the first replace matches on `epoch` and writes the item under the new name.
 */
export class DynamoControlTable implements ControlStore {
  constructor(
    private readonly client: DynamoDBDocumentClient,
    readonly table: string,
  ) {}

  async load(): Promise<ControlState | undefined> {
    try {
      const out = await this.client.send(new GetCommand({ TableName: this.table, Key: { pk: CONTROL_KEY }, ConsistentRead: true }));
      return out.Item ? fromStored(JSON.parse(out.Item.state as string) as StoredControlState) : undefined;
    } catch (error) {
      throw translateDynamoError(error, 'GetItem', this.table);
    }
  }

  async initialize(state: ControlState): Promise<ControlState> {
    const request = {
      TableName: this.table,
      Item: { pk: CONTROL_KEY, revision: state.revision, state: JSON.stringify(state) },
      ConditionExpression: 'attribute_not_exists(pk)',
      ...HELD_ON_REFUSAL,
    };
    const outcome = await conditionally(() => this.client.send(new PutCommand(request)), 'PutItem', this.table);
    if (outcome.applied) return state;
    // Another process initialized it first: theirs is the state.
    const existing = outcome.held === undefined ? await this.load() : fromStored(JSON.parse(outcome.held.state as string) as StoredControlState);
    if (!existing) throw new UnavailableError(`the control item of ${this.table} was there and is gone; try again`);
    return existing;
  }

  replace(expectedRevision: number, next: ControlState): Promise<boolean> {
    const request = {
      TableName: this.table,
      Item: { pk: CONTROL_KEY, revision: next.revision, state: JSON.stringify(next) },
      ConditionExpression: '#rev = :expected OR (attribute_not_exists(#rev) AND #epoch = :expected)',
      ExpressionAttributeNames: { '#rev': 'revision', '#epoch': 'epoch' },
      ExpressionAttributeValues: { ':expected': expectedRevision },
    };
    return conditionalWrite(() => this.client.send(new PutCommand(request)), 'PutItem', this.table);
  }
}

type StoredChange = Omit<SyncChange, 'revision'> & { revision?: number; epoch?: number };
type StoredControlState = Omit<ControlState, 'revision' | 'history' | 'leadership' | 'terms' | 'leaderHistory' | 'rewinding'> &
  Partial<Pick<ControlState, 'leadership' | 'terms' | 'leaderHistory' | 'rewinding'>> & { revision?: number; epoch?: number; history: StoredChange[] };

/**
 * The stored JSON as a ControlState: `epoch` read as `revision` where an older replog wrote it,
 * and a state from before leadership moved (no leadership) read as main leading term 1, which is
 * what it was.
 */
export function fromStored(stored: StoredControlState): ControlState {
  const { epoch, revision, history, leadership, terms, leaderHistory, rewinding, ...rest } = stored;
  const first = firstTerm(DEFAULT_LEADER_REPLICA, stored.updatedAt);
  return {
    ...rest,
    leadership: leadership ?? first.leadership,
    terms: terms ?? first.terms,
    leaderHistory: leaderHistory ?? first.leaderHistory,
    rewinding: rewinding ?? [],
    revision: revision ?? (epoch as number),
    history: history.map(({ epoch: changeEpoch, revision: changeRevision, ...change }) => ({ ...change, revision: changeRevision ?? (changeEpoch as number) })),
  };
}
