import { mkdtempSync, mkdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type BrowserContext, chromium, type Page } from 'playwright-core';
import { eventually } from '../support/eventually';
import { startTestStack, type TestStack } from '../support/test-stack';

const artifacts = join(__dirname, '..', '..', 'test-artifacts');

/**
 * The dashboard in a real headless Chromium (Debian's package, installed by .ci/run): it lists
 * every follower with its role, refreshes by itself, and shows a follower falling behind when
 * its consumer is paused.
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
    expect(errors).toEqual([]);
  });
});
