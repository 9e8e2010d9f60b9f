import { mkdtempSync, mkdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type BrowserContext, chromium, type Page } from 'playwright-core';
import { eventually } from '../support/eventually';
import { startTestStack, type TestStack } from '../support/test-stack';

const artifacts = join(__dirname, '..', '..', 'test-artifacts');

/**
 * The dashboard in a real headless Chromium (Debian's package, installed by .ci/run): it shows
 * the leader and its term, lists every follower with its role, refreshes by itself, shows a
 * follower falling behind when its consumer is paused, and renders a leadership history and a
 * move under way (fed into the real status document).
 */
describe('dashboard in a browser', () => {
  let t: TestStack;
  let browser: BrowserContext;
  let page: Page;
  let profile: string;

  beforeAll(async () => {
    t = await startTestStack('dash', { env: { REPLOG_ACK_MODE: 'semi-sync', REPLOG_STALL_MS: '1000' } });
    profile = mkdtempSync(join(tmpdir(), 'replog-chromium-'));
    // A fresh profile per run: nothing cached or remembered from another test or a developer's use.
    browser = await chromium.launchPersistentContext(profile, {
      executablePath: '/usr/bin/chromium',
      viewport: { width: 1400, height: 700 },
      // Times are shown in the browser's zone, with the zone: fixed here so the test can say which.
      locale: 'en-US',
      timezoneId: 'America/New_York',
      headless: true,
      args: [
        '--headless',
        '--no-sandbox',
        '--disable-gpu',
        '--disable-quic',
        '--no-first-run',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
      ],
    });
    page = await browser.newPage();
  });
  afterAll(async () => {
    await browser?.close();
    if (profile) rmSync(profile, { recursive: true, force: true });
    await t?.stop();
  });

  const cell = (id: string, field: string) => page.locator(`tr[data-follower="${id}"] [data-field="${field}"]`);

  it('given a running replog, shows every follower with its role and health, then a paused follower falling behind', async () => {
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    page.on('console', (m) => m.type() === 'error' && errors.push(m.text()));
    for (let i = 0; i < 5; i++) expect((await t.api('PUT', `/items/d${i}`, { i })).status).toBe(200);

    const res = await page.goto(`${t.url}/dashboard`);
    expect(res?.status()).toBe(200);
    expect(res?.headers()['content-security-policy']).toContain("default-src 'none'");
    await page.locator('tr[data-follower]').nth(2).waitFor({ timeout: 20_000 });
    expect(await page.locator('tr[data-follower]').count()).toBe(3);
    expect(await cell('follower-1', 'role').textContent()).toBe('sync');
    expect(await cell('follower-2', 'role').textContent()).toBe('async');
    expect(await cell('follower-3', 'role').textContent()).toBe('async');
    await eventually(async () => (await cell('follower-3', 'health').textContent())?.startsWith('healthy'), {
      what: 'follower-3 shown healthy',
    });
    expect(await page.locator('#counters').textContent()).toContain('acks semi-sync5');
    // The shared test broker is one node: one copy is all there is, and nothing is short of it.
    expect(await page.locator('#durability').textContent()).toBe('RF 1 · min ISR 1 · 1 broker alive · under-replicated none');
    expect(await page.locator('#durability').getAttribute('data-state')).toBe('ok');
    // A replog that never moved its leader: main leads term 1, no fence, no moves.
    expect(await page.locator('#leader-replica').textContent()).toBe('main');
    expect(await page.locator('#leader-term').textContent()).toBe('1');
    expect(await page.locator('#leader-state').textContent()).toBe('active');
    expect(await page.locator('#leader-table').textContent()).toBe(`${t.env.REPLOG_TABLE_PREFIX}-leader`);
    expect(await page.locator('#leader-transition').isVisible()).toBe(false);
    expect(await page.locator('#terms tr[data-term="1"] [data-field="fence"]').textContent()).toBe('none (first term)');
    expect(await page.locator('#leader-history').textContent()).toBe('no leadership moves yet');
    expect(await cell('follower-1', 'fenced').textContent()).toBe('0');
    expect(await page.locator('#leader-since').textContent()).toMatch(/^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2} E[SD]T$/);
    expect(await page.locator('#sync-history').textContent()).toBe('the sync follower has not changed since replog started');
    expect(await page.locator('#partition-lag tr[data-lag-follower]').count()).toBe(3);
    expect(await page.locator('#partition-lag-head th').count()).toBe(1 + Number(t.env.REPLOG_TOPIC_PARTITIONS ?? 3));

    t.stack.followers.get('follower-3')?.pause();
    for (let i = 0; i < 20; i++) expect((await t.api('PUT', `/items/p${i}`, { i })).status).toBe(200);
    await eventually(async () => Number(await cell('follower-3', 'lag-events').textContent()) >= 20, {
      what: 'the page to show follower-3 lagging',
    });
    await eventually(async () => (await cell('follower-3', 'health').textContent())?.startsWith('unhealthy'), {
      what: 'the page to show follower-3 unhealthy',
      timeoutMs: 20_000,
    });
    expect(await cell('follower-3', 'health').textContent()).toContain('stalled');
    expect(await cell('follower-1', 'lag-events').textContent()).toBe('0');
    expect(await page.locator('tr[data-follower="follower-3"] svg.chart polyline.events').count()).toBe(1);
    // The writes just made show as a rate, and the lag sits on the partitions follower-3 owes.
    await eventually(async () => /^\d+\.\d writes\/s$/.test((await page.locator('#writes-now').textContent()) ?? ''), { what: 'writes per second' });
    expect(await page.locator('#writes-chart polyline.rate').count()).toBe(1);
    expect(await page.locator('#writes-chart figcaption').textContent()).toMatch(/^writes acknowledged or refused per second by this leader process, last 1 min: now /);
    const owed = await page.locator('#partition-lag tr[data-lag-follower="follower-3"] td.lag-some').allTextContents();
    expect(owed.reduce((sum, n) => sum + Number(n), 0)).toBe(Number(await cell('follower-3', 'lag-events').textContent()));
    expect(await page.locator('tr[data-follower="follower-3"] figcaption').textContent()).toMatch(/^last 1 min: apply lag now .+ events behind/);

    mkdirSync(artifacts, { recursive: true });
    const shot = join(artifacts, 'dashboard-follower-paused.png');
    await page.screenshot({ path: shot, fullPage: true });
    process.stdout.write(`dashboard screenshot: ${shot}\n`);

    t.stack.followers.get('follower-3')?.resume();
    await eventually(async () => (await cell('follower-3', 'lag-events').textContent()) === '0', {
      what: 'the page to show follower-3 caught up',
      timeoutMs: 30_000,
    });
    await page.screenshot({ path: join(artifacts, 'dashboard-caught-up.png'), fullPage: true });
    expect(await cell('follower-3', 'consumer').textContent()).toBe('running');

    // What a follower process reports while its consumer restarts reaches the page.
    const at = Date.now();
    await t.stack.runtime.consumerStates.save({
      followerId: 'follower-2',
      owner: 'elsewhere:1',
      state: 'restarting',
      since: at,
      reportedAt: at,
      restarts: 2,
      lastError: { name: 'KafkaJSNonRetriableError', message: 'The coordinator is not aware of this member', at },
      nextAttemptAt: at + 1000,
    });
    await eventually(async () => (await cell('follower-2', 'consumer').textContent())?.startsWith('restarting (2 restarts)'), {
      what: 'the page to show follower-2 restarting',
    });
    expect(await cell('follower-2', 'consumer').textContent()).toContain('last: KafkaJSNonRetriableError: The coordinator is not aware of this member');

    // An operator moves the sync role: the page lists the change with when, who and why.
    const moved = await t.api('POST', '/replication/sync-follower', { followerId: 'follower-3' });
    expect(moved.status).toBe(200);
    const change = page.locator('#sync-history tr[data-revision]').first();
    await eventually(async () => (await change.locator('[data-field="change"]').textContent()) === 'follower-1 → follower-3', { what: 'the sync change on the page' });
    expect(await change.locator('[data-field="kind"]').textContent()).toBe('designated by an operator');
    expect(await change.locator('td').first().textContent()).toMatch(/^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2} E[SD]T$/);
    expect(await page.locator('#sync').textContent()).toBe('follower-3');
    const operators = join(artifacts, 'dashboard-operators.png');
    await page.screenshot({ path: operators, fullPage: true });
    process.stdout.write(`dashboard screenshot: ${operators}\n`);
    expect(errors).toEqual([]);
  });

  it('given leadership that moved twice and is moving again, shows the leader, the term, the move under way and the history', async () => {
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    // The real status document, with the leader section of a replog whose leader moved: the page
    // renders what the server sends, whoever made it.
    await page.route('**/replication/status', async (route) => {
      const res = await route.fetch();
      const real = (await res.json()) as { leader: Record<string, unknown>; followers: Record<string, unknown>[] };
      const leader = {
        ...real.leader,
        replica: 'main',
        term: 3,
        state: 'handing-over',
        since: '2024-05-01T12:30:00.000Z',
        transition: {
          kind: 'switchover',
          from: 'main',
          to: 'follower-2',
          term: 4,
          requestedAt: '2024-05-01T12:40:00.000Z',
          by: 'http:ops',
          reason: 'moving off the old host',
          fence: { '0': '41', '1': '30', '2': '12' },
        },
        terms: [
          { term: 3, leader: 'main', startedAt: '2024-05-01T12:30:00.000Z', fence: { '0': '30', '1': '21', '2': '9' } },
          { term: 2, leader: 'follower-1', startedAt: '2024-05-01T12:10:00.000Z', fence: { '0': '10', '1': '8', '2': '3' } },
          { term: 1, leader: 'main', startedAt: '2024-05-01T11:00:00.000Z', fence: {} },
        ],
        history: [
          { term: 3, from: 'follower-1', to: 'main', at: '2024-05-01T12:30:00.000Z', kind: 'switchover', by: 'cli:ops@host', reason: 'back after patching', pauseMs: 212 },
          { term: 2, from: 'main', to: 'follower-1', at: '2024-05-01T12:10:00.000Z', kind: 'switchover', by: 'http:admin', reason: 'patching main', pauseMs: 187 },
        ],
      };
      const followers = real.followers.map((f) => (f.id === 'follower-3' ? { ...f, fencedRefusals: 2 } : f));
      await route.fulfill({ response: res, json: { ...real, leader, followers } });
    });
    try {
      await eventually(async () => (await page.locator('#leader-term').textContent()) === '3', { what: 'the page to show term 3' });
      expect(await page.locator('#leader-replica').textContent()).toBe('main');
      expect(await page.locator('#leader-state').textContent()).toBe('handing-over');
      const transition = page.locator('#leader-transition');
      expect(await transition.isVisible()).toBe(true);
      expect(await transition.textContent()).toMatch(
        /^handing over from main to follower-2 for term 4, requested by http:ops at .+ because moving off the old host; fence at 0:41 {2}1:30 {2}2:12$/,
      );
      expect(await page.locator('#terms tr').count()).toBe(3);
      expect(await page.locator('#terms tr[data-term="2"] [data-field="leader"]').textContent()).toBe('follower-1');
      const move = (field: string) => page.locator(`#leader-history tr[data-move="2"] [data-field="${field}"]`).textContent();
      expect(await move('move')).toBe('main → follower-1');
      expect(await move('by')).toBe('http:admin');
      expect(await move('reason')).toBe('patching main');
      expect(await move('pause')).toBe('187 ms');
      expect(await cell('follower-3', 'fenced').textContent()).toBe('2');
      mkdirSync(artifacts, { recursive: true });
      const shot = join(artifacts, 'dashboard-leadership.png');
      await page.screenshot({ path: shot, fullPage: true });
      process.stdout.write(`dashboard screenshot: ${shot}\n`);
    } finally {
      await page.unroute('**/replication/status');
    }
    expect(errors).toEqual([]);
  });
});
