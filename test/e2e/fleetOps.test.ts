import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchChromium } from '../helpers/dashboardBrowser.js';
import { spawn } from 'node:child_process';
import { DISPATCH_BIN, pollUntil } from '../helpers/dispatchHarness.js';
import { isGone, startStation, type TestStation } from '../helpers/fleetHarness.js';
import { createTestDatabase } from '../helpers/postgres.js';

type Row = Record<string, unknown>;

// NAME@STATION and the fleet views through the built CLI, between two real stations on PostgreSQL.
describe('fleet ops between two stations', () => {
  let url: string;
  let a: TestStation;
  let b: TestStation;
  let browser: Browser | undefined;
  let page: Page | undefined;
  const pageErrors: string[] = [];

  beforeAll(async () => {
    url = await createTestDatabase();
    a = await startStation('ops-a', url);
    b = await startStation('ops-b', url);
    await b.ok(['new', '--name', 'worker', '--prefix', '', '--no-send']);
    await a.ok(['new', '--name', 'lead', '--prefix', '', '--no-send']);
    // b publishes its lanes; a reads them from the directory.
    await pollUntil(() => a.run(['lane', 'get', 'worker@ops-b', '--json']), (r) => r.code === 0, 'worker@ops-b in the directory', 30_000);
  }, 120_000);
  afterAll(async () => {
    expect(pageErrors).toEqual([]);
    await browser?.close();
    await a?.close();
    await b?.close();
  });

  it('send worker@ops-b: receipt m<N> queued at once; delivery get m<N> then shows the remote receipt completed', async () => {
    const sent = await a.ok<Row>(['send', 'worker@ops-b', '@sim reply hello from a']);
    expect(sent).toMatchObject({ state: 'queued', station: 'ops-b', lane: 'worker@ops-b', op: 'send' });
    expect(sent['receipt']).toMatch(/^m\d+$/);
    const done = await pollUntil(() => a.ok<Row>(['delivery', 'get', String(sent['receipt'])]), (d) => d['state'] === 'completed', 'the remote receipt completing', 60_000);
    expect(done).toMatchObject({ station: 'ops-b', lane: 'worker', kind: 'send', mode: 'send', text: '@sim reply hello from a', error: null });
    expect(done['turn_id']).toEqual(expect.any(String));
    // b delivered it once through its own ledger, under the receipt a shows.
    expect(await b.ok(['delivery', 'get', String(done['remote_receipt'])])).toMatchObject({ state: 'completed', source: 'fleet:ops-a', turn_id: done['turn_id'] });
  }, 90_000);

  it('lane get and lane tail worker@ops-b read what b published', async () => {
    const lane = await pollUntil(() => a.ok<Row>(['lane', 'get', '@worker@ops-b']), (l) => l['last_agent_message'] === 'hello from a', "b's lane after the turn", 30_000);
    expect(lane).toMatchObject({ handle: '@worker@ops-b', station: 'ops-b', reachable: true, status: 'idle', pending_requests: [] });
    const tail = await pollUntil(() => a.ok<{ items: Row[] }>(['lane', 'tail', 'worker@ops-b']), (t) => t.items.some((i) => i['text'] === 'hello from a'), "b's published items", 30_000);
    expect(tail).toMatchObject({ handle: '@worker@ops-b', station: 'ops-b' });
    expect(tail.items.filter((i) => i['type'] === 'agentMessage').map((i) => i['text'])).toContain('hello from a');
  }, 60_000);

  it('fleet status, lane list --fleet and attention --fleet show both stations', async () => {
    const status = await a.ok<Row & { stations: Row[] }>(['fleet', 'status']);
    expect(status).toMatchObject({ in_fleet: true, station: 'ops-a', connected: true, station_state: 'joined' });
    expect(status.stations.map((s) => [s['name'], s['state'], s['self']])).toEqual(expect.arrayContaining([['ops-a', 'up', true], ['ops-b', 'up', false]]));
    const other = status.stations.find((s) => s['name'] === 'ops-b');
    expect(other).toMatchObject({ lanes: 1, busy: 0 });
    expect([typeof other?.['mode'], typeof other?.['version'], typeof other?.['heartbeat_age_seconds']]).toEqual(['string', 'string', 'number']);
    const { lanes } = await a.ok<{ lanes: Row[] }>(['lane', 'list', '--fleet']);
    expect(lanes.map((l) => [l['handle'], l['station'], l['reachable']])).toEqual([['@lead', 'ops-a', true], ['@worker@ops-b', 'ops-b', true]]);
    // Nobody read worker's finished turn on b: a's fleet attention says so, with a command that reaches it.
    const { items } = await pollUntil(() => a.ok<{ items: Row[] }>(['attention', '--fleet']), (r) => r.items.some((i) => i['handle'] === '@worker@ops-b'), "worker's unread result in a's attention", 30_000);
    expect(items.find((i) => i['handle'] === '@worker@ops-b')).toMatchObject({ attention: 'done-unread', station: 'ops-b', reachable: true, summary: 'hello from a' });
  }, 60_000);

  it("the dashboard shows the fleet: both stations and b's lane", async () => {
    browser = await launchChromium();
    page = await browser.newPage();
    page.setDefaultTimeout(20_000);
    page.on('pageerror', (error) => pageErrors.push(error.message));
    await page.goto((await a.ok<{ url: string }>(['dashboard', '--json'])).url);
    await page.waitForSelector('#fleet:not([hidden]) #fleet-stations li[data-station="ops-b"][data-state="up"]');
    await page.waitForSelector('#fleet-lanes li[data-lane-handle="@worker@ops-b"][data-reachable="true"]');
    expect(await page.textContent('#fleet-summary')).toMatch(/^This station: ops-a · postgres:/);
    expect(await page.textContent('#fleet-stations')).toContain('ops-a (this station)');
    // This station's lanes stay on the board; other stations' are in the fleet section only.
    expect(await page.locator('#board li[data-lane-handle="@worker@ops-b"]').count()).toBe(0);
  }, 60_000);

  it('trigger add --lane a --target worker@ops-b and subscribe worker@ops-b store it as <laneId>@ops-b and list it by handle', async () => {
    const worker = await a.ok<Row>(['lane', 'get', 'worker@ops-b']);
    const trigger = await a.ok<Row>(['trigger', 'add', '--name', 'relay', '--lane', 'lead', '--when', 'turn_completed', '--target', 'worker@ops-b', '--text', 'from lead: {{last_message}}']);
    expect(trigger).toMatchObject({ lane: '@lead', target: '@worker@ops-b', target_id: `${String(worker['id'])}@ops-b` });
    const subscription = await a.ok<Row>(['subscribe', 'worker@ops-b', '--to', 'lead']);
    expect(subscription).toMatchObject({ lane: '@worker@ops-b', lane_id: `${String(worker['id'])}@ops-b`, target: '@lead', when: 'lane_done' });
    const { triggers } = await a.ok<{ triggers: Row[] }>(['trigger', 'list']);
    expect(triggers.map((t) => [t['lane'], t['target']])).toEqual(expect.arrayContaining([['@lead', '@worker@ops-b'], ['@worker@ops-b', '@lead']]));
    const unknown = await a.run(['subscribe', 'nobody@ops-b', '--to', 'lead', '--json']);
    expect(unknown.code).toBe(4);
    for (const t of triggers) await a.ok(['trigger', 'rm', String(t['id']), '--yes']);
  }, 60_000);

  it('request list and respond reach an approval waiting on b', async () => {
    await b.ok(['new', '--name', 'careful', '--prefix', '', '--approval-policy', 'untrusted', '--no-send']);
    await b.ok(['send', 'careful', '@sim shell touch approved.txt']);
    const listed = await pollUntil(() => a.ok<{ requests: Row[] }>(['request', 'list', '--lane', 'careful@ops-b']), (r) => r.requests.length === 1, "b's approval in the directory", 60_000);
    const [request] = listed.requests;
    expect(request).toMatchObject({ station: 'ops-b', lane: '@careful@ops-b', state: 'pending' });
    expect((await a.ok<{ requests: Row[] }>(['request', 'list', '--fleet'])).requests).toContainEqual(request);
    const answered = await a.ok<Row>(['request', 'respond', String(request?.['id']), 'accept', '--station', 'ops-b']);
    expect(answered).toMatchObject({ id: request?.['id'], station: 'ops-b', decision: 'accept', state: 'queued' });
    await pollUntil(() => b.ok<Row>(['lane', 'get', 'careful']), (l) => l['status'] === 'idle' && (l['latest_turn'] as Row | null)?.['status'] === 'completed', "b's turn going on after a's answer", 60_000);
    const [onB] = (await b.ok<{ requests: Row[] }>(['request', 'list', '--all', '--lane', 'careful'])).requests;
    expect(onB).toMatchObject({ state: 'answered', decision: 'accept' });
  }, 120_000);

  it('lane tail --follow worker@ops-b prints what b publishes as it comes, until Ctrl-C; lane follow --until-idle is refused clearly', async () => {
    const follower = spawn(process.execPath, [DISPATCH_BIN, 'lane', 'tail', 'worker@ops-b', '--follow', '--json'], { env: a.env, cwd: a.workspace, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    follower.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
    const exited = new Promise<number | null>((resolve) => follower.once('exit', (code) => resolve(code)));
    try {
      // The first line is the recent transcript; what b does afterwards follows it line by line.
      await pollUntil(async () => out, (text) => text.includes('\n'), 'the first page', 20_000);
      await a.ok(['send', 'worker@ops-b', '@sim reply followed from a', '--mode', 'queue']);
      await pollUntil(async () => out, (text) => text.split('\n').some((line) => line.includes('"agentMessage"') && line.includes('followed from a')), 'the new reply on the follower', 30_000);
    } finally {
      follower.kill('SIGINT');
    }
    expect(await exited).toBe(0);
    const waited = await a.run(['lane', 'follow', 'worker@ops-b', '--until-idle']);
    expect(waited.code).toBe(2);
    expect(waited.stderr).toMatch(/lane of station ops-b/);
  }, 60_000);

  it('a station killed with kill -9 shows unreachable in fleet status and lane list --fleet once its lease lapses', async () => {
    const pid = await b.pid();
    process.kill(pid, 'SIGKILL');
    await pollUntil(async () => isGone(pid), (gone) => gone, 'b dying', 10_000);
    const status = await pollUntil(() => a.ok<{ stations: Row[] }>(['fleet', 'status']), (s) => s.stations.some((x) => x['name'] === 'ops-b' && x['state'] === 'unreachable'), 'ops-b unreachable', 30_000);
    expect(status.stations.find((s) => s['name'] === 'ops-b')?.['heartbeat_age_seconds']).toBeGreaterThanOrEqual(15);
    const { lanes } = await a.ok<{ lanes: Row[] }>(['lane', 'list', '--fleet']);
    expect(lanes.filter((l) => l['station'] === 'ops-b').map((l) => l['reachable'])).toEqual([false, false]);
    // The dashboard's fleet view, polled, says so too.
    await page?.waitForSelector('#fleet-stations li[data-station="ops-b"][data-state="unreachable"]', { timeout: 20_000 });
    // A send still queues while b is away: it goes when b returns.
    expect(await a.ok(['send', 'worker@ops-b', '@sim reply later', '--queue'])).toMatchObject({ state: 'queued', station: 'ops-b' });
  }, 60_000);
});
