/**
 * The web dashboard, in headless Chromium against a real simulated daemon: how long a fact takes
 * from the daemon recording what codex sent (the fact's `at`, stamped as the app-server's
 * notification is read) to the page's EventSource handing it over, over N turns; the same facts on
 * a control-socket subscription (what `lane follow` reads) are the baseline. Also the page's size
 * (HTML + JS + CSS bytes) and its first contentful paint.
 *
 * `at` has millisecond resolution, so each latency is up to 1 ms high (0.5 ms on average).
 */
import { chromium } from 'playwright-core';
import { existsSync } from 'node:fs';
import { openSimulatedHome, waitFor } from './home.js';
import { median, percentile, type BenchRow } from './report.js';

const CHROMIUM = '/usr/bin/chromium';

interface Seen {
  type: string;
  at: string;
  /** Wall-clock ms (with sub-ms precision) when the browser, or the socket client, got it. */
  received: number;
}

export async function benchDashboard(turns: number): Promise<BenchRow[]> {
  if (!existsSync(CHROMIUM)) throw new Error(`the dashboard bench needs Chromium at ${CHROMIUM} (apt-get install chromium)`);
  const home = await openSimulatedHome();
  const browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox'] });
  try {
    const { url } = await home.client.dashboard();
    const page = await browser.newPage();
    let pageBytes = 0;
    page.on('response', (response) => {
      if (!new URL(response.url()).pathname.startsWith('/api/')) void response.body().then((body) => (pageBytes += body.length), () => undefined);
    });
    // A second EventSource beside the page's own, stamping each fact as the browser hands it over
    // (plain script text: this code runs in the page, and the bench is compiled without DOM types).
    await page.addInitScript({
      content: `window.benchSeen = [];
        new EventSource('/api/events').addEventListener('fact', (event) => {
          const entry = JSON.parse(event.data);
          window.benchSeen.push({ type: entry.event.type, at: entry.at, received: performance.timeOrigin + performance.now() });
        });`,
    });
    await page.goto(url);
    await page.waitForSelector('#connection[data-state="live"]');
    const paint = await page.evaluate<number>("performance.getEntriesByType('paint').find((entry) => entry.name === 'first-contentful-paint')?.startTime ?? NaN");

    const lane = await home.client.call<{ id: string }>('new', { name: 'bench', prefix: '', send: false });
    const socketSeen: Seen[] = [];
    let completed = 0;
    const subscription = await home.client.subscribe({ lanes: [lane.id] }, (entry) => {
      if (entry.seq === null) return;
      socketSeen.push({ type: entry.event.type, at: entry.at, received: performance.timeOrigin + performance.now() });
      if (entry.event.type === 'turnCompleted') completed++;
    });
    for (let turn = 1; turn <= turns; turn++) {
      await home.client.call('send', { lane: lane.id, text: `@sim reply turn ${turn}` });
      await waitFor(async () => (completed >= turn ? true : undefined), `turn ${turn} completing`, 30_000, 2);
    }
    const seen = await waitFor(
      async () => {
        const all = await page.evaluate<Seen[]>('window.benchSeen');
        return all.filter((s) => s.type === 'turnCompleted').length >= turns ? all : undefined;
      },
      'the page seeing every turn',
      30_000,
    );
    subscription.dispose();
    const latencies = (list: Seen[]): number[] => list.filter((s) => s.type !== 'laneCreated').map((s) => s.received - Date.parse(s.at));
    const browserMs = latencies(seen);
    const socketMs = latencies(socketSeen);
    const facts = { turns, facts: browserMs.length };
    return [
      {
        name: 'dashboard: fact to browser, median',
        value: median(browserMs),
        unit: 'ms',
        baseline: { value: median(socketMs), name: 'control-socket subscriber' },
        extra: { ...facts, p99_ms: Number(percentile(browserMs, 0.99).toFixed(2)), socket_p99_ms: Number(percentile(socketMs, 0.99).toFixed(2)) },
      },
      { name: 'dashboard: fact to browser, p99', value: percentile(browserMs, 0.99), unit: 'ms', baseline: { value: percentile(socketMs, 0.99), name: 'control-socket subscriber p99' } },
      { name: 'dashboard: page size (HTML+JS+CSS)', value: pageBytes, unit: 'bytes' },
      { name: 'dashboard: first contentful paint', value: paint, unit: 'ms' },
    ];
  } finally {
    await browser.close();
    await home.close();
  }
}
