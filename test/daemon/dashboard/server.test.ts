import http from 'node:http';
import { afterEach, describe, expect, it } from 'vitest';
import type { FeedEntry, StoredFact } from '../../../src/core/facts.js';
import { DashboardServer, MAX_BODY_BYTES, MAX_EVENT_STREAMS, type DashboardHandlers } from '../../../src/daemon/dashboard/server.js';
import { MAX_UNREAD_STREAM_BYTES } from '../../../src/daemon/dashboard/eventStream.js';
import { DispatchError } from '../../../src/shared/errors.js';
import { rawRequest, readEventStream } from '../../helpers/dashboardBrowser.js';

/** What the ops the snapshot reads answer unless a test says otherwise: an empty station in no fleet. */
const DEFAULT_OPS: Record<string, (input: unknown) => unknown> = {
  'lane.list': () => ({ lanes: [] }),
  'request.list': () => ({ requests: [] }),
  'fleet.status': () => ({ in_fleet: false, station: null, url: null, connected: null, stations: [], detail: 'in no fleet' }),
};

/** An in-memory fact log and feed, and ops answered by `ops` (the daemon runs the real executor). */
function fakeDaemon(ops: Record<string, (input: unknown) => unknown> = {}) {
  const facts: StoredFact[] = [];
  const listeners = new Set<(entry: FeedEntry) => void>();
  const calls: Array<{ op: string; input: unknown }> = [];
  const handlers: DashboardHandlers = {
    onEntry: (listener) => {
      listeners.add(listener);
      return { dispose: () => listeners.delete(listener) };
    },
    factsSince: (seq, _lanes, limit) => facts.filter((f) => f.seq > seq).slice(0, limit),
    factBounds: () => ({ oldest: facts[0]?.seq ?? null, latest: facts.at(-1)?.seq ?? 0 }),
    latestFact: (lane, type) => facts.findLast((f) => f.laneId === lane && f.type === type),
    call: async (op, input) => {
      calls.push({ op, input });
      const run = ops[op] ?? DEFAULT_OPS[op];
      if (!run) throw new DispatchError('not_found', `unknown op '${op}'`);
      return run(input);
    },
    log: () => undefined,
  };
  const append = (laneId: string, type = 'laneRead', fields: Record<string, unknown> = {}): StoredFact => {
    const fact = { type, laneId, ...fields, seq: (facts.at(-1)?.seq ?? 0) + 1, at: new Date().toISOString() } as unknown as StoredFact;
    facts.push(fact);
    const { seq, at, ...event } = fact;
    for (const listener of listeners) listener({ seq, at, event: event });
    return fact;
  };
  return { handlers, append, calls, listeners };
}

describe('dashboard server', () => {
  let server: DashboardServer | undefined;
  afterEach(async () => server?.close());

  const startWith = async (daemon: ReturnType<typeof fakeDaemon>) => {
    server = new DashboardServer(daemon.handlers);
    const address = await server.start();
    const token = new URL(address.url).searchParams.get('token') ?? '';
    const headers = { host: `127.0.0.1:${address.port}`, authorization: `Bearer ${token}` };
    return { ...address, token, headers };
  };

  it('listens once, on loopback, for the daemon\'s life', async () => {
    server = new DashboardServer(fakeDaemon().handlers);
    const [first, second] = await Promise.all([server.start(), server.start()]);
    expect(second).toEqual(first);
    expect(await server.start()).toEqual(first);
    expect(first.url).toBe(`http://127.0.0.1:${first.port}/?token=${new URL(first.url).searchParams.get('token')}`);
  });

  it('calls the op named in the path with the JSON body, and maps its typed error to a status', async () => {
    const daemon = fakeDaemon({ 'lane.get': (input) => ({ got: input }) });
    const { port, headers } = await startWith(daemon);
    const json = { ...headers, 'content-type': 'application/json' };
    const ok = await rawRequest(port, { method: 'POST', path: '/api/op/lane.get', headers: json, body: '{"lane":"@a"}' });
    expect([ok.status, JSON.parse(ok.body)]).toEqual([200, { got: { lane: '@a' } }]);
    expect(daemon.calls.at(-1)).toEqual({ op: 'lane.get', input: { lane: '@a' } });
    const unknown = await rawRequest(port, { method: 'POST', path: '/api/op/nope', headers: json, body: '{}' });
    expect([unknown.status, errorOf(unknown.body).code]).toEqual([404, 'not_found']);
    const notJson = await rawRequest(port, { method: 'POST', path: '/api/op/lane.get', headers: json, body: '{lane' });
    expect([notJson.status, errorOf(notJson.body).code]).toEqual([400, 'validation']);
    // A cross-site form can post text/plain without a preflight: refused before any op runs.
    const form = await rawRequest(port, { method: 'POST', path: '/api/op/lane.get', headers: { ...headers, 'content-type': 'text/plain' }, body: '{"lane":"@a"}' });
    expect(form.status).toBe(400);
    const get = await rawRequest(port, { path: '/api/op/lane.get', headers });
    expect(get.status).toBe(400);
    expect(daemon.calls.filter((c) => c.op === 'lane.get')).toHaveLength(1);
    const big = await rawRequest(port, { method: 'POST', path: '/api/op/send', headers: json, body: 'x'.repeat(MAX_BODY_BYTES + 1) });
    expect([big.status, errorOf(big.body)]).toMatchObject([413, { code: 'limit_exceeded', data: { limit: 'maxDashboardBodyBytes' } }]);
  });

  it('serves the page with a policy that loads only its own files', async () => {
    const { port, headers } = await startWith(fakeDaemon());
    for (const [file, type] of [['/', 'text/html'], ['/app.js', 'text/javascript'], ['/app.css', 'text/css']] as const) {
      const res = await rawRequest(port, { path: file, headers });
      expect(res.status, file).toBe(200);
      expect(res.headers['content-type']).toContain(type);
      expect(res.headers['content-security-policy']).toContain("default-src 'none'");
    }
    expect((await rawRequest(port, { path: '/nothing', headers })).status).toBe(404);
  });

  it('streams a snapshot, then facts in order; resumes after Last-Event-ID; starts over from a foreign cursor', async () => {
    const daemon = fakeDaemon();
    daemon.append('a');
    daemon.append('a');
    const { port, headers } = await startWith(daemon);
    const live = readEventStream(port, headers, (events) => events.filter((e) => e.event === 'fact').length === 3);
    // The snapshot is read first; facts appended after it arrive live.
    await waitUntil(() => daemon.listeners.size > 0);
    for (let i = 0; i < 3; i++) daemon.append('b');
    const events = await live;
    expect(events.map((e) => [e.event, e.id])).toEqual([['snapshot', '2'], ['fact', '3'], ['fact', '4'], ['fact', '5']]);
    expect(events[0]?.data).toEqual({ latest_seq: 2, lanes: [], requests: [], tokens: {}, fleet: null });
    const resumed = await readEventStream(port, { ...headers, 'last-event-id': '1' }, (e) => e.length === 4);
    expect(resumed.map((e) => [e.event, e.id])).toEqual([['fact', '2'], ['fact', '3'], ['fact', '4'], ['fact', '5']]);
    const foreign = await readEventStream(port, { ...headers, 'last-event-id': '99' }, (e) => e.length === 1);
    expect(foreign.map((e) => e.event)).toEqual(['reset']);
  });

  it('gives the snapshot each lane\'s token total from the usage table and its last request from the log', async () => {
    // Lane d's facts were pruned: its total still shows, without a last request.
    const daemon = fakeDaemon({ 'lane.list': () => ({ lanes: [{ id: 'a', total_tokens: 300 }, { id: 'b', total_tokens: 50 }, { id: 'c', total_tokens: 0 }, { id: 'd', total_tokens: 70 }] }) });
    for (const [lane, total] of [['a', 100], ['b', 50], ['a', 300]] as const) daemon.append(lane, 'tokenUsage', { turnId: 't', totalTokens: total, lastTokens: 10, contextWindow: 1000 });
    daemon.append('a', 'turnCompleted', { turnId: 't', outcome: 'completed' });
    const { port, headers } = await startWith(daemon);
    const [snapshot] = await readEventStream(port, headers, (e) => e.length === 1);
    // Lane c has used no tokens yet: it has no entry.
    expect((snapshot?.data as { tokens: unknown }).tokens).toEqual({
      a: { total_tokens: 300, last_tokens: 10, context_window: 1000 },
      b: { total_tokens: 50, last_tokens: 10, context_window: 1000 },
      d: { total_tokens: 70, last_tokens: null, context_window: null },
    });
  });

  it('gives the snapshot the fleet: its stations and the other stations\' lanes, or null in no fleet', async () => {
    const alone = await startWith(fakeDaemon());
    const [plain] = await readEventStream(alone.port, alone.headers, (e) => e.length === 1);
    expect((plain?.data as { fleet: unknown }).fleet).toBeNull();
    await server?.close();

    const stations = [{ name: 'home', state: 'up', self: true }, { name: 'build-1', state: 'unreachable', self: false }];
    const daemon = fakeDaemon({
      'fleet.status': () => ({ in_fleet: true, station: 'home', url: 'postgres://u:***@db/f', connected: true, stations, detail: null }),
      'lane.list': (input) =>
        (input as { fleet?: boolean }).fleet === true
          ? { lanes: [{ id: 'a', handle: '@a', station: 'home' }, { id: 'w', handle: '@w@build-1', station: 'build-1', reachable: false }] }
          : { lanes: [{ id: 'a', handle: '@a' }] },
    });
    const { port, headers } = await startWith(daemon);
    const fleet = { in_fleet: true, station: 'home', url: 'postgres://u:***@db/f', connected: true, stations, detail: null, lanes: [{ id: 'w', handle: '@w@build-1', station: 'build-1', reachable: false }], error: null };
    const [snapshot] = await readEventStream(port, headers, (e) => e.length === 1);
    expect((snapshot?.data as { fleet: unknown; lanes: unknown }).fleet).toEqual(fleet);
    // The board keeps this station's lanes only; the page polls the fleet at GET /api/fleet.
    expect((snapshot?.data as { lanes: unknown }).lanes).toEqual([{ id: 'a', handle: '@a' }]);
    const polled = await rawRequest(port, { method: 'GET', path: '/api/fleet', headers });
    expect([polled.status, JSON.parse(polled.body)]).toEqual([200, { fleet }]);
  });

  it('shows why when the fleet database is away, and the board goes on', async () => {
    const daemon = fakeDaemon({
      'fleet.status': () => {
        throw new DispatchError('fleet_unavailable', 'the fleet database is not reachable: ECONNREFUSED');
      },
    });
    const { port, headers } = await startWith(daemon);
    const [snapshot] = await readEventStream(port, headers, (e) => e.length === 1);
    expect((snapshot?.data as { fleet: unknown }).fleet).toEqual({ in_fleet: true, stations: [], lanes: [], error: 'the fleet database is not reachable: ECONNREFUSED' });
    expect((snapshot?.data as { lanes: unknown }).lanes).toEqual([]);
  });

  it('serves a bounded number of event streams at once, and another once one closes', async () => {
    const daemon = fakeDaemon();
    const { port, headers } = await startWith(daemon);
    const open: http.ClientRequest[] = [];
    for (let i = 0; i < MAX_EVENT_STREAMS; i++) {
      await new Promise<void>((resolve, reject) => {
        const req = http.request({ host: '127.0.0.1', port, path: '/api/events', headers }, (res) => {
          expect(res.statusCode).toBe(200);
          resolve();
        });
        req.on('error', reject);
        req.end();
        open.push(req);
      });
    }
    const refused = await rawRequest(port, { path: '/api/events', headers });
    expect([refused.status, errorOf(refused.body)]).toMatchObject([429, { code: 'limit_exceeded', data: { limit: 'maxDashboardStreams' } }]);
    open.pop()?.destroy();
    await waitUntil(() => daemon.listeners.size === MAX_EVENT_STREAMS - 1);
    const [snapshot] = await readEventStream(port, headers, (e) => e.length === 1);
    expect(snapshot?.event).toBe('snapshot');
    for (const req of open) req.destroy();
  });

  it('cuts off a browser that stops reading once its unread events pass the bound', async () => {
    const daemon = fakeDaemon();
    const { port, headers } = await startWith(daemon);
    const closed = new Promise<void>((resolve, reject) => {
      const req = http.request({ host: '127.0.0.1', port, path: '/api/events', headers }, (res) => {
        res.pause(); // a tab that stopped reading
        res.once('close', () => resolve());
      });
      req.on('error', reject);
      req.end();
    });
    await waitUntil(() => daemon.listeners.size > 0);
    const text = 'x'.repeat(16 * 1024);
    for (let i = 0; i * text.length < 4 * MAX_UNREAD_STREAM_BYTES && daemon.listeners.size > 0; i++) daemon.append('a', 'laneRead', { text });
    await closed;
    // Its subscription is gone too: nothing more is held for it.
    await waitUntil(() => daemon.listeners.size === 0);
  });
});

const errorOf = (body: string): { code: string; data?: unknown } => (JSON.parse(body) as { error: { code: string } }).error;

async function waitUntil(condition: () => boolean, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 10));
  }
}
