import { DeleteCommand, type DynamoDBDocumentClient, GetCommand, PutCommand, UpdateCommand, type UpdateCommandInput } from '@aws-sdk/lib-dynamodb';
import { CHANGE_EVENT_SCHEMA_VERSION, type ChangeEvent } from '../../core/change-event';
import { NotFoundError, NotLeaderError, PreconditionFailedError, ReplogError, UnavailableError } from '../../core/errors';
import type { JsonValue } from '../../core/item-value';
import type {
  CommitRequest,
  CommittedWrite,
  ItemLister,
  ItemPage,
  LeaderStore,
  PublishLease,
  PublishState,
  RecordOutcome,
  StoredItem,
} from '../../core/ports';
import type { LogPosition } from '../../core/positions';
import { landedAfter } from '../../core/publish-order';
import { WriteAlreadyCommitted } from '../../core/write-replay';
import { Expected, formatStamp, isNewer, matchesExpectedVersion, nextVersion, stampOf, termOf, type VersionStamp } from '../../core/versions';
import { inSpan, SpanKind } from '../../observability/tracing';
import { conditionally, conditionalWrite } from './conditional-write';
import { translateDynamoError } from './dynamo-errors';
import { getStoredItem } from './item-get';
import { type ItemRecord, toPublishState, toStoredItem } from './item-attributes';
import { scanLiveItems } from './item-scan';
import { buildClaimLeaseRequest, buildCommitRequest, buildPublishStateRequest, buildRecordPublishedRequest, buildRevertRequest } from './leader-requests';

export class DynamoLeaderTable implements LeaderStore, ItemLister {
  constructor(
    private readonly client: DynamoDBDocumentClient,
    readonly table: string,
  ) {}

  /** The leader commit, in a span of the write's trace (`replog.commit`). */
  commit(req: CommitRequest): Promise<CommittedWrite> {
    return inSpan(
      'replog.commit',
      { kind: SpanKind.CLIENT, attributes: { 'db.system.name': 'aws.dynamodb', 'db.operation.name': 'UpdateItem', 'aws.dynamodb.table_names': [this.table], 'replog.key': req.key, 'replog.term': req.term } },
      async (span) => {
        const committed = await this.commitOnce(req);
        span.setAttribute('replog.version', committed.event.version);
        return committed;
      },
      // A refused condition (412, 404, NOT_LEADER) is the store's answer, not a failed request.
      (error) => !(error instanceof ReplogError && error.status < 500),
    );
  }

  private async commitOnce(req: CommitRequest): Promise<CommittedWrite> {
    const outcome = await conditionally(() => this.client.send(new UpdateCommand(buildCommitRequest(this.table, req))), 'UpdateItem', this.table);
    if (!outcome.applied) {
      // The refusal carries the item as it was; only a store that ignores that costs a read.
      throw refusalOf(req, outcome.held === undefined ? await this.get(req.key) : toStoredItem(outcome.held as unknown as ItemRecord), this.table);
    }
    const old = outcome.output.Attributes as ItemRecord | undefined;
    const event: ChangeEvent = {
      v: CHANGE_EVENT_SCHEMA_VERSION,
      op: req.op,
      key: req.key,
      ...nextVersion(old, req.term),
      term: req.term,
      value: req.op === 'put' ? (req.value as JsonValue) : null,
      committedAt: req.now,
      writeId: req.writeId,
    };
    const prior = old === undefined ? undefined : toPublishState(old);
    return { event, lease: { id: req.writeId, at: req.now }, prior, previous: old, ...(old?.writeId === undefined ? {} : { previousWriteId: old.writeId }) };
  }

  async revert(write: CommittedWrite): Promise<boolean> {
    const { event } = write;
    const request = buildRevertRequest(this.table, event.key, stampOf(event), event.writeId, write.previous as Record<string, unknown> | undefined);
    return request.kind === 'put'
      ? conditionalWrite(() => this.client.send(new PutCommand(request.input)), 'PutItem', this.table)
      : conditionalWrite(() => this.client.send(new DeleteCommand(request.input)), 'DeleteItem', this.table);
  }

  listItems(page: { limit: number; cursor?: string }): Promise<ItemPage> {
    return scanLiveItems(this.client, this.table, page);
  }

  get(key: string): Promise<StoredItem | undefined> {
    return getStoredItem(this.client, this.table, key);
  }

  async publishState(key: string): Promise<PublishState | undefined> {
    try {
      const out = await this.client.send(new GetCommand(buildPublishStateRequest(this.table, key)));
      return out.Item ? toPublishState(out.Item as ItemRecord) : undefined;
    } catch (error) {
      throw translateDynamoError(error, 'GetItem', this.table);
    }
  }

  async recordPublished(key: string, published: VersionStamp, lease: PublishLease, position: LogPosition): Promise<RecordOutcome> {
    if (await this.conditionalUpdate(buildRecordPublishedRequest(this.table, key, published, lease, position, 'clear'))) {
      return { kind: 'cleared' };
    }
    if (await this.conditionalUpdate(buildRecordPublishedRequest(this.table, key, published, lease, position, 'record'))) {
      return { kind: 'recorded' };
    }
    // The item records a publish at least as new as ours (or is gone).
    const held = (await this.publishState(key))?.published;
    if (held === undefined || !isNewer(held, published)) return { kind: 'recorded' };
    return { kind: 'behind', newer: held, landedAfter: landedAfter(position, held.position) };
  }

  async claimLease(key: string, current: VersionStamp, seen: PublishLease | undefined, next: PublishLease): Promise<boolean> {
    return this.conditionalUpdate(buildClaimLeaseRequest(this.table, key, current, seen, next));
  }

  private conditionalUpdate(request: UpdateCommandInput): Promise<boolean> {
    return conditionalWrite(() => this.client.send(new UpdateCommand(request)), 'UpdateItem', this.table);
  }
}

/** Why a commit's condition failed, from the item as it was: the same write again, a newer term, If-Match did not match, or nothing to delete. */
function refusalOf(req: CommitRequest, current: StoredItem | undefined, table: string): Error {
  if (current !== undefined && current.writeId === req.writeId) return new WriteAlreadyCommitted(current);
  if (current !== undefined && termOf(current) > req.term) {
    return new NotLeaderError(
      `this writer's term ${req.term} has ended: ${table} holds ${JSON.stringify(req.key)} at ${formatStamp(current)}, written in term ${termOf(current)}; nothing was committed, send the write again`,
      { term: termOf(current), details: { committedOnLeader: false } },
    );
  }
  const live = current && !current.deleted ? current : undefined;
  if (req.expectedVersion !== undefined && !matchesExpectedVersion(live, Expected.counter(req.expectedVersion))) {
    return new PreconditionFailedError(req.key, req.expectedVersion, live?.version);
  }
  if (req.op === 'delete') return new NotFoundError(`item ${JSON.stringify(req.key)} does not exist`);
  // Only a store that sends no item with its refusal gets here (dynalite: the item was read after), and another write changed it meanwhile.
  return new UnavailableError(`the commit of ${JSON.stringify(req.key)} was refused and the item changed before the refusal could be explained; nothing was committed, send it again`, {
    details: { dependency: 'store', committedOnLeader: false },
  });
}
