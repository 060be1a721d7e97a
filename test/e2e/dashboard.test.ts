import { existsSync, mkdirSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { launchChromium, rawRequest, readEventStream, type SseEvent } from '../helpers/dashboardBrowser.js';
import { pollUntil, startDispatchHarness, waitForLane, type DispatchHarness } from '../helpers/dispatchHarness.js';

/** Every regular file under a directory (the codex home's sessions included). */
function filesUnder(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true, recursive: true })
    .filter((entry) => entry.isFile())
    .map((entry) => path.join(entry.parentPath, entry.name));
}

const ARTIFACTS = fileURLToPath(new URL('../../test-artifacts/', import.meta.url));

// The web dashboard end to end: the built CLI prints its URL, headless Chromium drives the page,
// and the daemon runs the real codex app-server on the simulated provider.
describe('web dashboard', () => {
  let h: DispatchHarness;
  let browser: Browser;
  let page: Page;
  let url: string;
  let port: number;
  let token: string;
  const pageErrors: string[] = [];
  let noBrowser: Error | undefined;

  beforeAll(async () => {
    h = await startDispatchHarness();
    try {
      browser = await launchChromium();
    } catch (error) {
      // Each test then fails with why: a missing browser never passes for skipped tests.
      noBrowser = error as Error;
      return;
    }
    const address = await h.ok<{ url: string; port: number }>(['dashboard', '--json']);
    ({ url, port } = address);
    token = new URL(url).searchParams.get('token') ?? '';
    page = await browser.newPage();
    // A wait that fails says which element it waited for, before the test's own timeout.
    page.setDefaultTimeout(20_000);
    page.on('pageerror', (error) => pageErrors.push(error.message));
    await page.goto(url);
    await page.waitForSelector('#connection[data-state="live"]');
  }, 60_000);
  beforeEach(() => {
    if (noBrowser) throw noBrowser;
  });
  afterAll(async () => {
    expect(pageErrors).toEqual([]);
    await browser?.close();
    await h?.close();
  });

  const card = (column: string, handle: string): string => `#col-${column} li[data-lane-handle="@${handle}"]`;

  it('prints one loopback URL for the daemon\'s life, and opens the page with it', async () => {
    expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/\?token=[\w-]{43}$/);
    expect(await h.ok(['dashboard', '--json', '--no-open'])).toEqual({ url, port });
    // The token leaves the address bar: the HttpOnly cookie carries it from here on.
    expect(new URL(page.url()).search).toBe('');
    await page.waitForSelector('#connection[data-state="live"]');
    const cookie = (await page.context().cookies()).find((c) => c.name === 'dispatch_dashboard');
    expect(cookie).toMatchObject({ httpOnly: true, sameSite: 'Strict' });
    expect(await page.evaluate<string>('document.cookie')).toBe('');
    // Landmarks and headings a screen reader navigates by; updates are announced politely.
    await expect(page.getByRole('banner').getByRole('heading', { level: 1, name: 'dispatch' }).count()).resolves.toBe(1);
    await expect(page.getByRole('main').getByRole('heading', { level: 2, name: 'Lanes' }).count()).resolves.toBe(1);
    for (const column of ['Working', 'Needs you', 'Failed', 'Done', 'Idle']) await expect(page.getByRole('region', { name: new RegExp(`^${column} `) }).count()).resolves.toBe(1);
    expect(await page.locator('[aria-live="polite"]').count()).toBeGreaterThanOrEqual(1);
    // The token lives in the daemon's memory only: not in its log, nor in any file of the home.
    expect(readFileSync(path.join(h.home, 'dispatchd.log'), 'utf8')).toContain('dashboard.started');
    expect(filesUnder(h.home).filter((file) => readFileSync(file).includes(token))).toEqual([]);
  });

  it('refuses a request without the token (401) and a foreign Host or Origin (403)', async () => {
    const host = `127.0.0.1:${port}`;
    const noToken = await rawRequest(port, { path: '/', headers: { host } });
    expect(noToken.status).toBe(401);
    expect(JSON.parse(noToken.body)).toMatchObject({ error: { code: 'unauthorized' } });
    expect((await rawRequest(port, { method: 'POST', path: '/api/op/lane.list', headers: { host, 'content-type': 'application/json' }, body: '{}' })).status).toBe(401);
    expect((await rawRequest(port, { path: '/api/events', headers: { host, authorization: 'Bearer wrong' } })).status).toBe(401);
    const auth = { authorization: `Bearer ${token}`, 'content-type': 'application/json' };
    // DNS rebinding: a page at evil.example resolving to 127.0.0.1 sends its own Host.
    const rebound = await rawRequest(port, { method: 'POST', path: '/api/op/lane.list', headers: { ...auth, host: `evil.example:${port}` }, body: '{}' });
    expect(rebound.status).toBe(403);
    const crossSite = await rawRequest(port, { method: 'POST', path: '/api/op/lane.list', headers: { ...auth, host, origin: 'http://evil.example' }, body: '{}' });
    expect(crossSite.status).toBe(403);
    const own = await rawRequest(port, { method: 'POST', path: '/api/op/lane.list', headers: { ...auth, host, origin: `http://${host}` }, body: '{}' });
    expect(own.status).toBe(200);
    // The same contract as the CLI: an unknown field is the table's validation error, as HTTP 400.
    const bad = await rawRequest(port, { method: 'POST', path: '/api/op/lane.list', headers: { ...auth, host }, body: '{"bogus":1}' });
    expect(bad.status).toBe(400);
    expect(JSON.parse(bad.body)).toMatchObject({ error: { code: 'validation' } });
    const missing = await rawRequest(port, { method: 'POST', path: '/api/op/lane.get', headers: { ...auth, host }, body: '{"lane":"@nope"}' });
    expect(missing.status).toBe(404);
    expect(JSON.parse(missing.body)).toMatchObject({ error: { code: 'not_found' } });
    const tooBig = await rawRequest(port, { method: 'POST', path: '/api/op/send', headers: { ...auth, host }, body: `{"lane":"@x","text":"${'a'.repeat(9 * 1024 * 1024)}"}` });
    expect(tooBig.status).toBe(413);
    expect(JSON.parse(tooBig.body)).toMatchObject({ error: { code: 'limit_exceeded', data: { limit: 'maxDashboardBodyBytes' } } });
  });

  it('shows a lane going busy then done on the board, and its transcript streaming', async () => {
    const SECOND = 'second answer, streamed to the page a few words at a time';
    await h.ok(['new', '--name', 'boarded', '--prefix', '', '--text', '@sim slow 20x50\n@sim reply streamed to the board']);
    await page.waitForSelector(card('working', 'boarded'));
    await page.waitForSelector(card('done-unread', 'boarded'));
    expect(await page.locator('[data-total="tokens"]').textContent()).toMatch(/^[1-9]\d*$/);
    mkdirSync(ARTIFACTS, { recursive: true });
    await page.screenshot({ path: path.join(ARTIFACTS, 'dashboard-board.png'), fullPage: true });
    await h.ok(['subscribe', 'boarded', '--when', 'done']);
    // The lane view, by keyboard: reading its tail clears done-unread; focus lands on its heading.
    await page.locator(`${card('done-unread', 'boarded')} button`).focus();
    await page.keyboard.press('Enter');
    await page.waitForSelector('#lane-heading:focus');
    await page.waitForSelector('#transcript [data-type="agentMessage"]:has-text("streamed to the board")');
    await page.waitForSelector(card('idle', 'boarded'));
    await page.waitForSelector('#triggers li:has-text("lane_done")');
    await page.fill('#send-text', `@sim shell echo from-the-page\n@sim slow 40x50\n@sim reply ${SECOND}`);
    await page.click('#send-form button[type="submit"]');
    await page.waitForSelector('#send-result:text-matches("^Receipt \\\\d+: accepted")');
    // Agent text as it arrives: a part of the reply is on the page before all of it.
    const reply = page.locator('#transcript li[data-type="agentMessage"]').last().locator('.text');
    await pollUntil(() => reply.textContent().then((text) => text ?? ''), (text) => text.length > 0 && text !== SECOND && SECOND.startsWith(text), 'a part of the reply on the page');
    // Behind the running turn, a queued message waits in the lane's queue.
    await page.fill('#send-text', '@sim reply third answer');
    await page.getByRole('radio', { name: /^queue/ }).check();
    await page.click('#send-form button[type="submit"]');
    await page.waitForSelector('#send-result:text-matches("^Receipt \\\\d+: queued")');
    await page.waitForSelector('#queue li:has-text("queued")');
    // Counts per lane and in total: the message queued behind the running turn.
    await page.waitForSelector(`${card('working', 'boarded')}:has-text("1 queued")`);
    expect(await page.locator('[data-total="queued"]').textContent()).toBe('1');
    await page.waitForSelector('#transcript [data-type="commandExecution"]:has-text("exit 0")');
    await page.waitForSelector(`#transcript [data-type="agentMessage"]:has-text("${SECOND}")`);
    await page.waitForSelector('#transcript [data-type="agentMessage"]:has-text("third answer")');
    await page.waitForSelector('#queue li:has-text("Nothing queued")');
    await page.click('#close-lane');
  });

  it("shows the account's rate-limit windows as codex reports them", async () => {
    await h.ok(['new', '--name', 'limited', '--prefix', '', '--text', '@sim ratelimit primary=42 resets=1h\n@sim reply limited']);
    await page.waitForSelector(card('done-unread', 'limited'));
    const primary = page.locator('[data-total="primary window"]');
    await primary.waitFor();
    expect(await primary.textContent()).toMatch(/^42% used · resets \d\d:\d\d/);
  });

  it('approves a command from the page, and the command runs', async () => {
    await h.ok(['new', '--name', 'approver', '--approval-policy', 'untrusted', '--sandbox', 'danger-full-access', '--prefix', '', '--no-send']);
    await h.ok(['send', 'approver', '@sim shell echo yes > dashboard-approved.txt\n@sim reply ran it']);
    await page.waitForSelector(card('needs-you', 'approver'));
    await page.waitForSelector(`${card('needs-you', 'approver')}:has-text("1 waiting for you")`);
    const request = page.locator('#request-list li[data-kind="command"]', { hasText: 'echo yes > dashboard-approved.txt' });
    await request.getByRole('button', { name: 'Approve' }).click();
    await pollUntil(async () => existsSync(path.join(h.workspace, 'dashboard-approved.txt')), (made) => made, 'the approved command writing its file');
    expect((await waitForLane(h, 'approver'))['last_agent_message']).toBe('ran it');
    await page.waitForSelector('#no-requests:not([hidden])');
  });

  it('shows a file change\'s diff from its item, and approves it', async () => {
    await h.ok(['new', '--name', 'patcher', '--approval-policy', 'untrusted', '--sandbox', 'read-only', '--prefix', '', '--no-send']);
    await h.ok(['send', 'patcher', '@sim write dashboard-notes.txt hello\\nfrom the diff\n@sim reply wrote it']);
    const request = page.locator('#request-list li[data-kind="fileChange"]');
    const diff = await request.locator('pre.diff').textContent();
    expect(diff).toContain('dashboard-notes.txt');
    expect(diff).toContain('from the diff');
    await request.getByRole('button', { name: 'Approve' }).click();
    expect((await waitForLane(h, 'patcher'))['last_agent_message']).toBe('wrote it');
    expect(readFileSync(path.join(h.workspace, 'dashboard-notes.txt'), 'utf8')).toBe('hello\nfrom the diff\n');
  });

  it('answers the agent\'s question from the page', async () => {
    await h.ok(['new', '--name', 'asker', '--prefix', '', '--no-send']);
    await h.ok(['send', 'asker', '@sim ask color: Which color? | Red | Blue\n@sim reply you said {{last_tool_output}}']);
    const request = page.locator('#request-list li[data-kind="userInput"]');
    await request.getByRole('radio', { name: 'Blue' }).check();
    await request.getByRole('button', { name: 'Answer' }).click();
    const done = await waitForLane(h, 'asker');
    expect(done['last_agent_message']).toBe('you said {"answers":{"color":{"answers":["Blue"]}}}');
  });

  it('asks again for a lane whose refresh failed while the network was down', async () => {
    const context = await browser.newContext();
    try {
      const offlinePage = await context.newPage();
      await offlinePage.goto(url);
      await offlinePage.waitForSelector('#connection[data-state="live"]');
      // Offline, the open event stream still delivers the facts, but every lane.get the page makes fails.
      let inFlight = 0;
      offlinePage.on('request', (request) => void (request.url().endsWith('/api/op/lane.get') && inFlight++));
      const settled = (request: { url(): string }): void => void (request.url().endsWith('/api/op/lane.get') && inFlight--);
      offlinePage.on('requestfailed', settled);
      offlinePage.on('requestfinished', settled);
      await context.setOffline(true);
      await h.ok(['new', '--name', 'offline', '--prefix', '', '--text', '@sim reply while offline']);
      await waitForLane(h, 'offline');
      const { latest_seq: latest } = await h.ok<{ latest_seq: number }>(['events', '--limit', '1']);
      // The page has every fact, and each refresh they asked for has failed.
      // (Polled from here: the page's CSP refuses the eval a string waitForFunction needs.)
      await pollUntil(async () => Number(await offlinePage.locator('#connection').getAttribute('data-seq')), (seq) => seq >= latest, 'the page having every fact');
      await pollUntil(async () => inFlight, (n) => n === 0, 'the offline refreshes failing');
      expect(await offlinePage.locator(card('done-unread', 'offline')).count()).toBe(0);
      await context.setOffline(false);
      await offlinePage.waitForSelector(card('done-unread', 'offline'), { timeout: 10_000 });
    } finally {
      await context.close();
    }
  });

  it('resumes the event stream after Last-Event-ID with nothing lost or repeated', async () => {
    const headers = { authorization: `Bearer ${token}` };
    const first = await readEventStream(port, headers, (events) => events.some((e) => e.event === 'snapshot'));
    const snapshotId = Number(first.find((e) => e.event === 'snapshot')?.id);
    await h.ok(['new', '--name', 'resumed', '--prefix', '', '--text', '@sim reply one']);
    await waitForLane(h, 'resumed');
    const isTurnDone = (e: SseEvent): boolean => e.event === 'fact' && (e.data as { event: { type: string } }).event.type === 'turnCompleted';
    // Read part of what followed, drop the connection, then resume from the last id seen.
    const part = await readEventStream(port, { ...headers, 'last-event-id': String(snapshotId) }, (events) => events.filter((e) => e.event === 'fact').length >= 3);
    const partSeqs = part.filter((e) => e.event === 'fact').map((e) => Number(e.id));
    const rest = await readEventStream(port, { ...headers, 'last-event-id': String(partSeqs.at(-1)) }, (events) => events.some(isTurnDone));
    const restSeqs = rest.filter((e) => e.event === 'fact').map((e) => Number(e.id));
    const log = await h.ok<{ events: Array<{ seq: number }> }>(['events', '--since', String(snapshotId), '--limit', '1000']);
    const expected = log.events.map((e) => e.seq).filter((seq) => seq <= (restSeqs.at(-1) ?? 0));
    expect([...partSeqs, ...restSeqs]).toEqual(expected);
    expect(rest.some((e) => e.event === 'snapshot')).toBe(false);
  });
});
