import { InMemoryLeaderTable } from '../support/in-memory-outbox';
import { InMemoryReplayJournal } from '../support/in-memory-replay';
import { InMemoryControlStore, InMemoryFollowerStore, InMemoryProgressStore } from '../support/in-memory-stores';
import { MemoryAppliedRecords } from '../support/in-memory-applied-records';
import { appliedRecordStoreContract } from './specs/applied-record-store.contract';
import { applyProgressStoreContract } from './specs/apply-progress-store.contract';
import { controlStoreContract } from './specs/control-store.contract';
import { followerStoreContract } from './specs/follower-store.contract';
import { leaderStoreContract } from './specs/leader-store.contract';
import { outboxIndexContract } from './specs/outbox-index.contract';
import { replayJournalContract } from './specs/replay-journal.contract';

/**
 * The same port contracts the DynamoDB adapters meet (dynalite.test.ts, moto.test.ts), against the
 * in-memory doubles the unit tests use: a unit test that passes against a double that broke the
 * contract would prove nothing about the adapter.
 */
describe('in-memory doubles', () => {
  leaderStoreContract(async () => new InMemoryLeaderTable());
  followerStoreContract(async () => new InMemoryFollowerStore());
  controlStoreContract(async () => new InMemoryControlStore());
  applyProgressStoreContract(async () => new InMemoryProgressStore());
  appliedRecordStoreContract(async () => new MemoryAppliedRecords());
  outboxIndexContract(async () => {
    const table = new InMemoryLeaderTable();
    return { leader: table, marks: table };
  });
  replayJournalContract(async () => {
    return new InMemoryReplayJournal();
  });
});
