import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { devStoreEnv } from '../../../src/cli/command-runtime';
import { renderStatus, type StatusDocument } from '../../../src/cli/commands/status';
import { loadConfig } from '../../../src/config/config';
import {
  advertisedStores,
  checkStoreLayout,
  refuseStoreSettings,
  separateStoresOnDisk,
  storeEnv,
  storeSpecs,
} from '../../../src/local/separate-stores';
import { restartBackoff, type StoreStatus } from '../../../src/local/store-farm';

const status = (id: string, port: number, pid: number | undefined): StoreStatus => ({
  id,
  endpoint: `http://127.0.0.1:${port}`,
  pid,
  state: pid === undefined ? 'down' : 'running',
  restarts: 0,
  lastExit: undefined,
  nextRestartAt: undefined,
});
const farm = [status('control', 4000, 10), status('main', 4001, 11), status('follower-1', 4002, 12), status('follower-2', 4003, undefined)];

describe('replog dev --separate-stores: which stores, where their data is, which settings reach them', () => {
  it('given the replicas, runs the control store first and one store per replica, each with its own folder when persistent', () => {
    expect(storeSpecs(['main', 'follower-1'], '/d')).toEqual([
      { id: 'control', dataDir: '/d/stores/control' },
      { id: 'main', dataDir: '/d/stores/main' },
      { id: 'follower-1', dataDir: '/d/stores/follower-1' },
    ]);
    expect(storeSpecs(['main'], undefined)).toEqual([{ id: 'control' }, { id: 'main' }]);
  });

  it('given a follower named like the control store, refuses instead of sharing a store between them', () => {
    expect(() => storeSpecs(['main', 'control'], undefined)).toThrow('a replica named control cannot have a separate store');
  });

  it('given the farm, points DYNAMODB_ENDPOINT and REPLOG_CONTROL_ENDPOINT at the control store and each replica at its own', () => {
    const env = storeEnv(advertisedStores(farm));
    expect(env).toEqual({
      DYNAMODB_ENDPOINT: 'http://127.0.0.1:4000',
      REPLOG_CONTROL_ENDPOINT: 'http://127.0.0.1:4000',
      REPLOG_REPLICA_ENDPOINTS: 'main=http://127.0.0.1:4001,follower-1=http://127.0.0.1:4002,follower-2=http://127.0.0.1:4003',
    });
    // The configuration accepts exactly what it produces.
    const config = loadConfig({ ...env, REPLOG_FOLLOWERS: 'follower-1,follower-2' });
    expect(config.replicas.location('follower-1').endpoint).toBe('http://127.0.0.1:4002');
    expect(config.replicas.location('main').endpoint).toBe('http://127.0.0.1:4001');
    expect(config.replicas.control.endpoint).toBe('http://127.0.0.1:4000');
  });

  it('given a store that is down, still advertises its endpoint (it comes back on the same port) without a pid', () => {
    expect(advertisedStores(farm).replicas['follower-2']).toEqual({ endpoint: 'http://127.0.0.1:4003', pid: undefined });
  });

  it('given store settings of the user, refuses them instead of silently overriding them', () => {
    expect(() => refuseStoreSettings({ DYNAMODB_ENDPOINT: 'http://x:1' })).toThrow(
      '--separate-stores starts the control store and a store per replica itself, so it does not use DYNAMODB_ENDPOINT=http://x:1',
    );
    expect(() => refuseStoreSettings({ REPLOG_REPLICA_ENDPOINTS: 'main=http://x:1' })).toThrow('REPLOG_REPLICA_ENDPOINTS=main=http://x:1');
    expect(() => refuseStoreSettings({ DYNAMODB_ENDPOINT: '' })).not.toThrow();
  });

  it('given REPLOG_SEPARATE_STORES, makes separate stores the default of replog dev, and refuses a value that is not a boolean', () => {
    expect(loadConfig({}).separateStores).toBe(false);
    expect(loadConfig({ REPLOG_SEPARATE_STORES: 'true' }).separateStores).toBe(true);
    expect(() => loadConfig({ REPLOG_SEPARATE_STORES: 'sometimes' })).toThrow('REPLOG_SEPARATE_STORES');
  });
});

describe('the data folder keeps one kind of store, together with the broker log', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'replog-layout-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('given a fresh folder, either kind starts', () => {
    expect(() => checkStoreLayout(dir, true)).not.toThrow();
    expect(() => checkStoreLayout(dir, false)).not.toThrow();
    expect(separateStoresOnDisk(dir)).toBe(false);
  });

  it('given the embedded store on disk, separate stores are refused with the way to start afresh', () => {
    mkdirSync(join(dir, 'dynalite'));
    expect(() => checkStoreLayout(dir, true)).toThrow('run `replog dev --separate-stores --reset` to start afresh with a store per replica');
    expect(() => checkStoreLayout(dir, false)).not.toThrow();
  });

  it('given separate stores on disk, the embedded store is refused, and maintenance commands open the separate stores', () => {
    mkdirSync(join(dir, 'stores'));
    expect(() => checkStoreLayout(dir, false)).toThrow('run with --separate-stores (or REPLOG_SEPARATE_STORES=true) to keep it');
    expect(() => checkStoreLayout(dir, true)).not.toThrow();
    expect(separateStoresOnDisk(dir)).toBe(true);
  });
});

describe('a store that dies unasked is restarted with backoff', () => {
  it('given deaths in a row, waits the first delay, then doubles it up to the longest', () => {
    expect([1, 2, 3, 4, 5, 6, 7].map((n) => restartBackoff(1000, 30_000, n))).toEqual([1000, 2000, 4000, 8000, 16_000, 30_000, 30_000]);
    expect(restartBackoff(300, 300, 5)).toBe(300);
    expect(restartBackoff(0, 30_000, 1)).toBe(0);
  });
});

describe('commands beside a replog dev --separate-stores', () => {
  const dev = {
    pid: 1,
    dynamodb: 'http://127.0.0.1:4000',
    kafka: '127.0.0.1:9092',
    stores: advertisedStores(farm),
  };

  it('given its endpoints file, reach the control store and each replica at its own store, on its broker', () => {
    const env = devStoreEnv({ REPLOG_FOLLOWERS: 'follower-1,follower-2' }, dev);
    expect(env).toMatchObject({
      DYNAMODB_ENDPOINT: 'http://127.0.0.1:4000',
      REPLOG_CONTROL_ENDPOINT: 'http://127.0.0.1:4000',
      REPLOG_REPLICA_ENDPOINTS: 'main=http://127.0.0.1:4001,follower-1=http://127.0.0.1:4002,follower-2=http://127.0.0.1:4003',
      KAFKA_BROKERS: '127.0.0.1:9092',
    });
    expect(loadConfig(env).replicas.location('follower-2').endpoint).toBe('http://127.0.0.1:4003');
  });

  it('given a command whose configuration lacks one of the replicas, leaves that one out (it falls back to the control store, as in the dev)', () => {
    const env = devStoreEnv({ REPLOG_FOLLOWERS: 'follower-1' }, dev);
    expect(env.REPLOG_REPLICA_ENDPOINTS).toBe('main=http://127.0.0.1:4001,follower-1=http://127.0.0.1:4002');
    expect(() => loadConfig(env)).not.toThrow();
  });

  it('given an embedded-store dev, sets its one store only', () => {
    const env = devStoreEnv({}, { pid: 1, dynamodb: 'http://127.0.0.1:4000', kafka: '127.0.0.1:9092' });
    expect(env.DYNAMODB_ENDPOINT).toBe('http://127.0.0.1:4000');
    expect(env.REPLOG_CONTROL_ENDPOINT).toBeUndefined();
    expect(env.REPLOG_REPLICA_ENDPOINTS).toBeUndefined();
  });

  it('given the status of a replog dev with separate stores, replog status shows each store process, a dead one with how it ended', () => {
    const doc = {
      control: { revision: 1, syncFollower: 'follower-1', promotions: 0 },
      topic: { name: 'replog.changes', endOffsets: { '0': '1' } },
      followers: [],
      localStores: [
        { ...status('control', 4000, 10), lastExit: undefined, nextRestartAt: undefined },
        { id: 'main', endpoint: 'http://127.0.0.1:4001', state: 'down', restarts: 2, lastExit: 'SIGKILL', nextRestartAt: Date.UTC(2024, 4, 1, 12) },
      ],
      counters: { acks: {}, syncTimeouts: 0, promotions: 0, degradedAcks: 0, failedAcks: 0, wait: { averageMs: 0, p99Ms: 0 } },
    } as unknown as StatusDocument;
    const lines = renderStatus(doc).split('\n');
    expect(lines).toContain('stores (separate processes)');
    expect(lines).toContain('  control  http://127.0.0.1:4000  pid 10  running');
    expect(lines).toContain('  main     http://127.0.0.1:4001  pid -  down, 2 restarts, last exit SIGKILL, restarting at 2024-05-01T12:00:00.000Z');
  });
});
