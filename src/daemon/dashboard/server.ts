import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import http, { type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { FactType, StoredFact } from '../../core/facts.js';
import { DispatchError, toDispatchError } from '../../shared/errors.js';
import type { SubscriptionSource } from '../subscription.js';
import { openEventStream, parseCursor } from './eventStream.js';
import { checkRequest, tokenCookie } from './guard.js';
import { HTTP_STATUS } from './httpStatus.js';

/** Largest op request body: a `send` text (1 MiB of characters, up to 6 bytes each JSON-escaped) with room to spare. */
export const MAX_BODY_BYTES = 8 * 1024 * 1024;

/** Event streams open at once (a tab holds one): more is a page or script leaking them. */
export const MAX_EVENT_STREAMS = 64;

/** The files of the page, shipped beside this module (copied into dist/ by the build). */
const PAGE_FILES: Readonly<Record<string, { file: string; type: string }>> = {
  '/': { file: 'index.html', type: 'text/html; charset=utf-8' },
  '/app.js': { file: 'app.js', type: 'text/javascript; charset=utf-8' },
  '/app.css': { file: 'app.css', type: 'text/css; charset=utf-8' },
};

/** The page may load only its own files and talk only to its own origin. */
const PAGE_HEADERS = {
  'content-security-policy': "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; img-src 'self' data:; base-uri 'none'; form-action 'none'; frame-ancestors 'none'",
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
  'cache-control': 'no-store',
};

export interface DashboardHandlers extends SubscriptionSource {
  /** A lane's latest fact of a type in the log (its token use). */
  latestFact(lane: string, type: FactType): StoredFact | undefined;
  /** Runs an op through the daemon's executor: the same contracts and handlers as the CLI and MCP. */
  call(op: string, input: unknown, signal: AbortSignal): Promise<unknown>;
  log(level: 'info' | 'warn', message: string, data?: Record<string, unknown>): void;
}

export interface DashboardAddress {
  url: string;
  port: number;
}

/**
 * The web dashboard: one page and a small HTTP API on 127.0.0.1 (a random port, kept for the
 * daemon's life), guarded by a random token (guard.ts). `POST /api/op/<op>` runs an op,
 * `GET /api/events` streams the board (eventStream.ts). The token lives only in this process.
 */
export class DashboardServer {
  private readonly token = randomBytes(32).toString('base64url');
  private readonly server: http.Server;
  private readonly handlers: DashboardHandlers;
  private readonly pageDir: URL;
  private listening: Promise<DashboardAddress> | undefined;
  /** The page's files, read on first request (a few KiB, fixed for the daemon's life). */
  private readonly pageCache = new Map<string, Buffer>();
  private openStreams = 0;

  constructor(handlers: DashboardHandlers, pageDir: URL = new URL('./page/', import.meta.url)) {
    this.handlers = handlers;
    this.pageDir = pageDir;
    this.server = http.createServer((req, res) => {
      this.route(req, res).catch((error: unknown) => this.fail(res, error));
    });
    this.server.headersTimeout = 10_000;
    this.server.requestTimeout = 60_000;
  }

  /** Starts listening on first use; every later call answers the same address. */
  start(): Promise<DashboardAddress> {
    this.listening ??= new Promise<DashboardAddress>((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen(0, '127.0.0.1', () => {
        this.server.off('error', reject);
        const { port } = this.server.address() as AddressInfo;
        this.handlers.log('info', 'dashboard.started', { port });
        resolve({ port, url: `http://127.0.0.1:${port}/?token=${this.token}` });
      });
    });
    return this.listening;
  }

  async close(): Promise<void> {
    if (!this.listening) return;
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private get port(): number {
    return (this.server.address() as AddressInfo).port;
  }

  private async route(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    const queryToken = url.pathname === '/' && req.method === 'GET' ? (url.searchParams.get('token') ?? undefined) : undefined;
    const verdict = checkRequest(req.headers, this.port, this.token, queryToken);
    if (!verdict.ok) {
      this.handlers.log('warn', 'dashboard.refused', { status: verdict.status, path: url.pathname });
      this.fail(res, new DispatchError('unauthorized', verdict.reason), verdict.status);
      return;
    }
    if (queryToken !== undefined) {
      // The token leaves the address bar (and history) at once; the cookie carries it from here.
      res.writeHead(303, { location: '/', 'set-cookie': tokenCookie(this.token), ...PAGE_HEADERS });
      res.end();
      return;
    }
    const page = PAGE_FILES[url.pathname];
    if (page && (req.method === 'GET' || req.method === 'HEAD')) {
      const body = this.pageCache.get(page.file) ?? readFileSync(new URL(page.file, this.pageDir));
      this.pageCache.set(page.file, body);
      res.writeHead(200, { 'content-type': page.type, 'content-length': body.length, ...PAGE_HEADERS });
      res.end(req.method === 'HEAD' ? undefined : body);
      return;
    }
    if (url.pathname === '/api/events' && req.method === 'GET') {
      const since = parseCursor(req.headers['last-event-id'] as string | undefined) ?? parseCursor(url.searchParams.get('since'));
      if (this.openStreams >= MAX_EVENT_STREAMS) {
        const error = new DispatchError('limit_exceeded', `the dashboard already serves ${MAX_EVENT_STREAMS} event streams; close some tabs`, { data: { limit: 'maxDashboardStreams' } });
        this.fail(res, error, 429);
        return;
      }
      this.openStreams++;
      res.once('close', () => this.openStreams--);
      openEventStream(this.handlers, res, {
        since,
        snapshot: () => this.snapshot(),
        onError: (error) => this.handlers.log('warn', 'dashboard.stream_failed', { error: error.message }),
      });
      return;
    }
    if (url.pathname === '/api/fleet' && req.method === 'GET') {
      this.json(res, 200, { fleet: await fleetView(this.handlers, new AbortController().signal) });
      return;
    }
    const op = /^\/api\/op\/([a-z][a-z.-]*)$/.exec(url.pathname)?.[1];
    if (op !== undefined) {
      if (req.method !== 'POST') throw new DispatchError('validation', `ops are called with POST, not ${req.method}`);
      await this.callOp(op, req, res);
      return;
    }
    throw new DispatchError('not_found', `no dashboard resource at ${url.pathname}`);
  }

  private async callOp(op: string, req: IncomingMessage, res: ServerResponse): Promise<void> {
    // A cross-site form cannot send JSON without a preflight this server never answers.
    if (!/^application\/json\b/.test(req.headers['content-type'] ?? '')) throw new DispatchError('validation', 'an op call is a JSON body (content-type: application/json)');
    const input = parseBody(await readBody(req));
    const abort = new AbortController();
    res.on('close', () => {
      if (!res.writableFinished) abort.abort(new DispatchError('cancelled', 'the browser closed the request'));
    });
    const output = await this.handlers.call(op, input, abort.signal);
    this.json(res, 200, output);
  }

  /** What the page first shows: the board, the pending requests, each lane's latest token use, and the fleet. */
  private async snapshot(): Promise<unknown> {
    const signal = new AbortController().signal;
    const [lanes, requests, fleet] = await Promise.all([this.handlers.call('lane.list', {}, signal), this.handlers.call('request.list', { limit: 1000 }, signal), fleetView(this.handlers, signal)]);
    return { ...(lanes as object), ...(requests as object), tokens: latestTokenUsage(this.handlers, (lanes as { lanes: Array<{ id: string; total_tokens?: number }> }).lanes), fleet };
  }

  private json(res: ServerResponse, status: number, body: unknown): void {
    const text = JSON.stringify(body);
    res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(text), 'cache-control': 'no-store', 'x-content-type-options': 'nosniff' });
    res.end(text);
  }

  /** A typed error from the one table, as `{error: {code, message, data}}` with the code's HTTP status. */
  private fail(res: ServerResponse, error: unknown, status?: number): void {
    const e = toDispatchError(error);
    if (e.code === 'internal') this.handlers.log('warn', 'dashboard.request_failed', { error: e.message });
    if (res.headersSent) {
      res.destroy();
      return;
    }
    this.json(res, status ?? HTTP_STATUS[e.code], { error: e.toJSON() });
  }
}

/**
 * The fleet as the page shows it (null for a station on its own): the stations (`fleet.status`)
 * and the other stations' lanes (`lane.list --fleet`). The page polls it (GET /api/fleet), since
 * other stations' changes are no facts of this log. With the database away: why, and nothing else.
 */
export async function fleetView(handlers: Pick<DashboardHandlers, 'call'>, signal: AbortSignal): Promise<unknown> {
  try {
    const status = (await handlers.call('fleet.status', {}, signal)) as { in_fleet: boolean; station: string | null };
    if (!status.in_fleet) return null;
    const { lanes } = (await handlers.call('lane.list', { fleet: true }, signal)) as { lanes: Array<{ station?: string }> };
    return { ...status, lanes: lanes.filter((lane) => lane.station !== status.station), error: null };
  } catch (error) {
    const e = toDispatchError(error);
    if (e.code !== 'fleet_unavailable') throw e;
    return { in_fleet: true, stations: [], lanes: [], error: e.message };
  }
}

/** The body, refused as a typed `limit_exceeded` as soon as it grows past MAX_BODY_BYTES. */
function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > MAX_BODY_BYTES) {
        req.removeAllListeners('data');
        req.resume();
        reject(new DispatchError('limit_exceeded', `a dashboard request body over ${MAX_BODY_BYTES} bytes was refused`, { data: { limit: 'maxDashboardBodyBytes' } }));
        return;
      }
      chunks.push(chunk);
    });
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

function parseBody(text: string): unknown {
  if (text.trim() === '') return {};
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new DispatchError('validation', `the request body is not JSON: ${(error as Error).message}`);
  }
}

/**
 * Each lane's token use, for the lanes that have used any: the total from the usage table (`lane.list`'s
 * `total_tokens`, kept when the log is pruned), the last request and context window from its latest `tokenUsage` fact.
 */
export function latestTokenUsage(
  handlers: Pick<DashboardHandlers, 'latestFact'>,
  lanes: ReadonlyArray<{ id: string; total_tokens?: number }>,
): Record<string, { total_tokens: number; last_tokens: number | null; context_window: number | null }> {
  const usage: Record<string, { total_tokens: number; last_tokens: number | null; context_window: number | null }> = {};
  for (const lane of lanes) {
    const fact = handlers.latestFact(lane.id, 'tokenUsage');
    const last = fact?.type === 'tokenUsage' ? fact : undefined;
    const total = lane.total_tokens ?? last?.totalTokens;
    if (total === undefined || (total === 0 && !last)) continue;
    usage[lane.id] = { total_tokens: total, last_tokens: last?.lastTokens ?? null, context_window: last?.contextWindow ?? null };
  }
  return usage;
}
