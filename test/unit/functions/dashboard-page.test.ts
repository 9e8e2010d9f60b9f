import { createHash } from 'node:crypto';
import { DASHBOARD_CSP, DASHBOARD_HTML } from '../../../src/functions/http/dashboard-page';
import { type FakeDocument, runDashboardScript } from '../../support/fake-dom';

const inline = (tag: string) => {
  const m = new RegExp(`<${tag}>([\\s\\S]*?)</${tag}>`).exec(DASHBOARD_HTML);
  if (!m?.[1]) throw new Error(`no inline ${tag}`);
  return m[1];
};
const hashOf = (text: string) => `'sha256-${createHash('sha256').update(text, 'utf8').digest('base64')}'`;

describe('dashboard page', () => {
  it('given the page, its CSP allows exactly its own inline script and style and nothing from elsewhere', () => {
    expect(DASHBOARD_CSP).toContain(`script-src ${hashOf(inline('script'))}`);
    expect(DASHBOARD_CSP).toContain(`style-src ${hashOf(inline('style'))}`);
    expect(DASHBOARD_CSP).toContain("default-src 'none'");
    expect(DASHBOARD_CSP).toContain("connect-src 'self'");
  });

  it('given the page, loads nothing from the network but its own status route', () => {
    expect(DASHBOARD_HTML).not.toMatch(/(src|href)="(https?:)?\/\//);
    expect(inline('script')).toContain("new URL('replication/status', location.href)");
  });

  it('given server data, the script writes it as text, never as HTML', () => {
    expect(inline('script')).not.toMatch(/innerHTML|outerHTML|insertAdjacentHTML|document\.write/);
  });
});

/** A status document as GET /replication/status answers it, after main handed over to follower-1 and back. */
const status = (leader: Record<string, unknown>, followers: Record<string, unknown>[] = []) => ({
  leader: {
    replica: 'main',
    term: 3,
    state: 'active',
    since: '2024-05-01T12:30:00.000Z',
    table: 'replog-leader',
    topic: 'replog.changes',
    startedAt: '2024-05-01T11:00:00.000Z',
    transition: null,
    terms: [
      { term: 3, leader: 'main', startedAt: '2024-05-01T12:30:00.000Z', fence: { '0': '30', '1': '21' } },
      { term: 2, leader: 'follower-1', startedAt: '2024-05-01T12:10:00.000Z', fence: { '0': '10', '1': '8' } },
      { term: 1, leader: 'main', startedAt: '2024-05-01T11:00:00.000Z', fence: {} },
    ],
    history: [
      { term: 3, from: 'follower-1', to: 'main', at: '2024-05-01T12:30:00.000Z', kind: 'switchover', by: 'cli:ops@host', reason: 'back after patching', pauseMs: 212 },
      { term: 2, from: 'main', to: 'follower-1', at: '2024-05-01T12:10:00.000Z', kind: 'switchover', by: 'http:admin', reason: 'patching main', pauseMs: 187 },
    ],
    ...leader,
  },
  control: { revision: 9, syncFollower: 'follower-1', promotions: 0, history: [] },
  policy: { defaultMode: 'semi-sync', syncTimeoutMs: 2000, onSyncTimeout: 'promote', onNoCandidate: 'degrade', stallMs: 10000 },
  topic: { name: 'replog.changes', endOffsets: { '0': '40', '1': '31' }, startOffsets: { '0': '0', '1': '0' } },
  followers: [
    { id: 'follower-1', role: 'sync', healthy: true, healthReason: null, lag: { events: 0 }, committed: { '0': '40', '1': '31' }, applyLagMs: { current: 0, last: 4, p99: 9 }, consumer: null },
    ...followers,
  ],
  counters: { acks: { 'semi-sync': 12 }, syncTimeouts: 0, promotions: 0, degradedAcks: 0, failedAcks: 0, publishFailures: 0, producerSessionsEnded: 0, wait: { averageMs: 3, p99Ms: 8, maxMs: 11 } },
  fetchedAt: '2024-05-01T12:31:00.000Z',
});

const show = (s: unknown) => runDashboardScript(DASHBOARD_HTML, inline('script'), s);
const text = (d: FakeDocument, id: string) => d.getElementById(id)?.textContent;

describe('dashboard page: leadership', () => {
  it('given a status document, shows the leader, its term, state and table, each term with its fence, and the history', async () => {
    const d = await show(status({}));
    expect(text(d, 'state')).toMatch(/^updated /);
    expect(text(d, 'leader-replica')).toBe('main');
    expect(text(d, 'leader-term')).toBe('3');
    expect(text(d, 'leader-state')).toBe('active');
    expect(text(d, 'leader-table')).toBe('replog-leader');
    expect(d.getElementById('leader-since')?.title).toBe('2024-05-01T12:30:00.000Z');
    expect(d.getElementById('leader-transition')?.hidden).toBe(true);

    const terms = d.getElementById('terms');
    expect(terms?.children.map((r) => r.find('data-field', 'term')?.textContent)).toEqual(['3', '2', '1']);
    expect(terms?.find('data-term', '2')?.find('data-field', 'leader')?.textContent).toBe('follower-1');
    expect(terms?.find('data-term', '3')?.find('data-field', 'fence')?.textContent).toBe('0:30  1:21');
    expect(terms?.find('data-term', '1')?.find('data-field', 'fence')?.textContent).toBe('none (first term)');

    const move = d.getElementById('leader-history')?.find('data-move', '2');
    const cells = (field: string) => move?.find('data-field', field)?.textContent;
    expect(cells('move')).toBe('main → follower-1');
    expect(cells('kind')).toBe('switchover');
    expect(cells('by')).toBe('http:admin');
    expect(cells('reason')).toBe('patching main');
    expect(cells('pause')).toBe('187 ms');
    expect(d.getElementById('leader-history')?.children).toHaveLength(2);
  });

  it('given leadership being handed over, says to whom, for which term, who asked and why, and whether the fence is in the log', async () => {
    const transition = {
      kind: 'switchover',
      from: 'main',
      to: 'follower-2',
      term: 4,
      requestedAt: '2024-05-01T12:40:00.000Z',
      by: 'http:admin',
      reason: 'moving off the old host',
      fence: null,
    };
    const d = await show(status({ state: 'handing-over', transition }));
    expect(text(d, 'leader-state')).toBe('handing-over');
    expect(d.getElementById('leader-state')?.children[0]?.className).toBe('badge moving');
    expect(d.getElementById('leader-transition')?.hidden).toBe(false);
    expect(text(d, 'leader-transition')).toMatch(
      /^handing over from main to follower-2 for term 4, requested by http:admin at .+ because moving off the old host; fence not in the log yet$/,
    );
    const fenced = await show(status({ state: 'handing-over', transition: { ...transition, fence: { '0': '41', '1': '31' } } }));
    expect(text(fenced, 'leader-transition')).toMatch(/; fence at 0:41 {2}1:31$/);
    const failover = await show(status({ state: 'electing', transition: { ...transition, kind: 'failover' } }));
    expect(text(failover, 'leader-transition')).toMatch(/^failing over from main to follower-2 for term 4/);
  });

  it('given a leader that never moved, says there are no moves yet', async () => {
    const d = await show(status({ term: 1, history: [], terms: [{ term: 1, leader: 'main', startedAt: '2024-05-01T11:00:00.000Z', fence: {} }] }));
    expect(text(d, 'leader-history')).toBe('no leadership moves yet');
    expect(d.getElementById('terms')?.children).toHaveLength(1);
  });

  it('given followers with and without fenced refusals, shows each count, absent as 0', async () => {
    const refusing = { id: 'follower-2', role: 'async', healthy: true, healthReason: null, lag: { events: 0 }, committed: { '0': '40' }, fencedRefusals: 3, consumer: null };
    const d = await show(status({}, [refusing]));
    const fenced = (id: string) => d.getElementById('followers')?.find('data-follower', id)?.find('data-field', 'fenced');
    expect(fenced('follower-2')?.textContent).toBe('3');
    expect(fenced('follower-2')?.className).toBe('num fenced some');
    expect(fenced('follower-1')?.textContent).toBe('0');
  });
});

describe('dashboard page: operators’ views', () => {
  const lagging = {
    id: 'follower-2',
    role: 'async',
    healthy: true,
    healthReason: null,
    lag: { events: 7, perPartition: { '0': 0, '1': 7 } },
    committed: { '0': '40', '1': '24' },
    applyLagMs: { current: 1200, last: 30, p99: 90 },
    consumer: null,
  };
  const syncHistory = [
    { revision: 9, from: 'follower-1', to: 'follower-2', at: '2024-05-01T12:20:00.000Z', reason: 'follower-1 did not confirm within 2000 ms', kind: 'promotion' },
    { revision: 4, from: null, to: 'follower-1', at: '2024-05-01T11:00:00.000Z', reason: 'initial', kind: 'designation' },
  ];

  it('given the sync follower changed, lists each change with when, from → to, how and why', async () => {
    const doc = status({}, [lagging]);
    const d = await show({ ...doc, control: { ...doc.control, history: syncHistory } });
    const rows = d.getElementById('sync-history')?.children ?? [];
    expect(rows).toHaveLength(2);
    const promotion = d.getElementById('sync-history')?.find('data-revision', '9');
    expect(promotion?.find('data-field', 'change')?.textContent).toBe('follower-1 → follower-2');
    expect(promotion?.find('data-field', 'kind')?.textContent).toBe('promoted (the sync follower stopped confirming)');
    expect(promotion?.find('data-field', 'reason')?.textContent).toBe('follower-1 did not confirm within 2000 ms');
    expect(d.getElementById('sync-history')?.find('data-revision', '4')?.find('data-field', 'change')?.textContent).toBe('(none) → follower-1');
    const none = await show(status({}));
    expect(text(none, 'sync-history')).toBe('the sync follower has not changed since replog started');
  });

  it('given followers behind on some partitions, shows the lag per follower and partition', async () => {
    const d = await show(status({}, [lagging]));
    expect(d.getElementById('partition-lag-head')?.textContent).toBe('followerpartition 0partition 1');
    const row = d.getElementById('partition-lag')?.find('data-lag-follower', 'follower-2');
    expect(row?.find('data-partition', '1')?.textContent).toBe('7');
    expect(row?.find('data-partition', '1')?.className).toBe('num lag-some');
    expect(row?.find('data-partition', '1')?.title).toBe('committed 24 of 31');
    expect(row?.find('data-partition', '0')?.textContent).toBe('0');
  });

  it('given a first status read, every chart says it is collecting instead of drawing nothing', async () => {
    const d = await show(status({}, [lagging]));
    expect(text(d, 'writes-now')).toBe('collecting…');
    expect(d.getElementById('writes-chart')?.find('data-field', 'caption')?.textContent).toMatch(/^collecting: /);
    const chart = d.getElementById('followers')?.find('data-follower', 'follower-2');
    expect(chart?.findAll((e) => e.className === 'collecting').map((e) => e.textContent)).toEqual(['collecting…']);
  });

  it('given times, writes them with the date and the time zone, the UTC time in the title', async () => {
    const d = await show(status({}));
    expect(text(d, 'leader-since')).toMatch(/^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2} \S+/);
    expect(d.getElementById('leader-since')?.title).toBe('2024-05-01T12:30:00.000Z');
    expect(text(d, 'state')).toMatch(/^updated \d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2} \S+/);
  });
});

describe('dashboard page: a partial status (the log partly unavailable)', () => {
  const partial = () => {
    const s = status({});
    return {
      ...s,
      topic: { ...s.topic, endOffsets: {}, offsetsUnavailable: { error: 'LEADER_NOT_AVAILABLE', unavailablePartitions: [2] } },
      followers: [
        {
          ...s.followers[0],
          healthy: false,
          healthReason: 'the log could not be read: end offsets: LEADER_NOT_AVAILABLE',
          lag: { events: null, perPartition: {} },
          applyLagMs: { current: null, last: 4, p99: 9 },
          unread: ['end offsets: LEADER_NOT_AVAILABLE'],
        },
      ],
      partial: true,
      unread: [{ read: 'endOffsets', error: 'LEADER_NOT_AVAILABLE', unavailablePartitions: [2] }],
    };
  };

  it('given a partial status, says so and which reads failed, shows the end offsets unknown and the lag unknown, never 0', async () => {
    const d = await show(partial());
    expect(d.getElementById('partial')?.hidden).toBe(false);
    expect(text(d, 'partial')).toMatch(/^PARTIAL: .* endOffsets: partition 2 offline: LEADER_NOT_AVAILABLE$/);
    expect(text(d, 'ends')).toBe('UNKNOWN (partition 2 offline: LEADER_NOT_AVAILABLE)');
    const row = d.getElementById('followers')?.find('data-follower', 'follower-1');
    expect(row?.find('data-field', 'lag-events')?.textContent).toBe('unknown');
    expect(row?.find('data-field', 'health')?.textContent).toBe('unhealthythe log could not be read: end offsets: LEADER_NOT_AVAILABLE');
  });

  it('given a complete status, shows no partial banner', async () => {
    const d = await show(status({}));
    expect(d.getElementById('partial')?.hidden).toBe(true);
  });
});

describe('dashboard page: the log’s durability', () => {
  const durable = {
    brokers: 3,
    partitions: 3,
    replicationFactor: 3,
    minInsyncReplicas: 2,
    uncleanLeaderElection: false,
    underReplicatedPartitions: [],
    belowMinIsrPartitions: [],
    offlinePartitions: [],
    singleCopyRisk: null,
    state: 'ok',
    error: null,
  };
  const withDurability = (durability: unknown) => {
    const s = status({});
    return { ...s, topic: { ...s.topic, durability } };
  };

  it('given a healthy RF 3 topic, shows its copies, min ISR and brokers as ok', async () => {
    const d = await show(withDurability(durable));
    expect(text(d, 'durability')).toBe('RF 3 · min ISR 2 · 3 brokers alive · under-replicated none');
    expect(d.getElementById('durability')?.getAttribute('data-state')).toBe('ok');
  });

  it('given two brokers down, shows the partitions below min ISR and that writes answer 503', async () => {
    const d = await show(
      withDurability({ ...durable, brokers: 1, underReplicatedPartitions: [0, 1, 2], belowMinIsrPartitions: [0, 1, 2], state: 'below-min-isr' }),
    );
    expect(text(d, 'durability')).toBe('RF 3 · min ISR 2 · 1 broker alive · under-replicated 0,1,2 · BELOW MIN ISR 0,1,2 (writes answer 503)');
    expect(d.getElementById('durability')?.getAttribute('data-state')).toBe('below-min-isr');
  });

  it('given a single-copy topic or an unreadable one, says so', async () => {
    const risk = 'replog.changes has replication factor 1 on a cluster of 3 brokers: …';
    const single = await show(withDurability({ ...durable, replicationFactor: 1, minInsyncReplicas: 1, singleCopyRisk: risk }));
    expect(text(single, 'durability')).toMatch(/^RF 1 · min ISR 1 .* · SINGLE COPY$/);
    expect(single.getElementById('durability')?.getAttribute('data-risk')).toBe('single-copy');
    expect(single.getElementById('durability')?.title).toBe(risk);
    const unknown = await show(withDurability({ error: 'the topic was not described within 3000 ms' }));
    expect(text(unknown, 'durability')).toBe('unknown: the topic was not described within 3000 ms');
    expect(text(await show(withDurability(null)), 'durability')).toBe('not reported');
  });
});
