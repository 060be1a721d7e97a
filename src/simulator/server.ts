import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { isIP, type AddressInfo } from 'node:net';
import { brotliDecompressSync, gunzipSync, inflateSync } from 'node:zlib';
import { DispatchError } from '../shared/errors.js';
import { selectStep, validateRules, type ScriptSource, type SimRule, type SimStepKind } from './script.js';
import { readModelInput } from './modelInput.js';
import { estimateTokens, playStep, sendJson } from './responseStream.js';
import { isRecord } from '../shared/records.js';
import { parseRateLimitDirective, rateLimitDirectiveOf, rateLimitHeaders, type SimRateLimits } from './rateLimits.js';

/** Options of {@link startSimulatedProvider}. */
export interface SimulatedProviderOptions {
  /** Scripted turns tried before inline directives and the echo default. */
  rules?: readonly SimRule[];
  /** Loopback address to bind (default 127.0.0.1); anything else is refused. */
  host?: string;
  /** Port to bind (default 0 = any free port). */
  port?: number;
  /** Called with each request as it is recorded (e.g. to keep a log that outlives the process). */
  onRequest?: (request: RecordedRequest) => void;
}

/** One POST to `/v1/responses` as the simulator understood it. */
export interface RecordedRequest {
  seq: number;
  /** ISO time the request body was read. */
  at: string;
  /** Codex thread id (`thread-id` / `session-id` header), or null. */
  threadId: string | null;
  /** Codex turn id (`turn_id` of `x-codex-turn-metadata`), or null. */
  turnId: string | null;
  lastUserText: string | null;
  /** Tool outputs after the last user message: the index of the step played. */
  toolOutputs: number;
  /** Output of the newest tool call in the input, reduced to what it printed. */
  lastToolOutput?: string;
  /** The step played, or `rejected` for a request answered 4xx without a script. */
  stepKind: SimStepKind | 'rejected';
  stepIndex?: number;
  source?: ScriptSource;
  /** The `resp_N` id of the answer. */
  responseId?: string;
  model?: string;
  /** Client ids found on user messages; absent when there are none (codex 0.169 forwards none). */
  clientUserMessageIds?: string[];
  /** Why a rejected request was rejected. */
  error?: string;
}

/** A running simulated Responses-API provider on loopback. */
export interface SimulatedProvider {
  /** Base URL for codex's `base_url`, e.g. `http://127.0.0.1:PORT/v1`. */
  readonly url: string;
  readonly port: number;
  /** Every request received so far, oldest first (live array). */
  readonly requests: RecordedRequest[];
  /** The rate-limit windows every answer reports from now on (null: none), like `@sim ratelimit`. */
  setRateLimits(limits: SimRateLimits | null): void;
  /** Replaces the scripted rules for requests that arrive from now on. */
  setRules(rules: readonly SimRule[]): void;
  /** Stops listening and cuts open streams (hanging ones included); never blocks on clients. */
  close(): Promise<void>;
  [Symbol.asyncDispose](): Promise<void>;
}

/** Largest request body accepted; codex resends the whole history, so leave room. */
const MAX_BODY_BYTES = 64 * 1024 * 1024;

/** Starts the simulated model provider: codex points `base_url` at `url` and gets scripted answers. */
export async function startSimulatedProvider(options: SimulatedProviderOptions = {}): Promise<SimulatedProvider> {
  const host = options.host ?? '127.0.0.1';
  if (!isLoopback(host)) {
    throw new DispatchError('validation', `the simulated provider binds loopback only, not ${host}`);
  }
  const port = options.port ?? 0;
  if (!Number.isInteger(port) || port < 0 || port > 65_535) {
    throw new DispatchError('validation', `invalid port ${String(port)}`);
  }
  let rules: readonly SimRule[] = options.rules ?? [];
  validateRules(rules);

  const requests: RecordedRequest[] = [];
  const streams = new Set<AbortController>();
  let responseSeq = 0;
  let rateLimits: SimRateLimits | null = null;
  let closing: Promise<void> | undefined;

  const server: Server = createServer((req, res) => {
    const controller = new AbortController();
    streams.add(controller);
    res.on('close', () => {
      controller.abort();
      streams.delete(controller);
    });
    route(req, res, controller.signal).catch((error: unknown) => {
      // A bug here must cost one request, never the server (and with it every test or rehearsal using it).
      // Recorded like a rejection, so the request log says why codex saw a 500.
      if (!res.headersSent) reject(res, 500, `simulator failure: ${errorMessage(error)}`);
      else res.destroy();
    });
  });

  const route = async (req: IncomingMessage, res: ServerResponse, signal: AbortSignal): Promise<void> => {
    const path = (req.url ?? '/').split('?')[0];
    if (req.method === 'POST' && path === '/v1/responses') return handleResponses(req, res, signal);
    if (req.method === 'GET' && path === '/v1/__requests') return sendJson(res, 200, requests);
    if (req.method === 'GET' && path === '/v1/models') return sendJson(res, 200, { data: [] });
    req.resume();
    sendJson(res, 404, { error: { message: `no route for ${req.method ?? '?'} ${path ?? ''}`, type: 'not_found' } });
  };

  const notify = (record: RecordedRequest | undefined): void => {
    if (!record || !options.onRequest) return;
    try {
      options.onRequest(record);
    } catch {
      // A failing observer must not break the model's answer.
    }
  };

  const reject = (res: ServerResponse, status: number, message: string): void => {
    requests.push({
      seq: requests.length + 1,
      at: new Date().toISOString(),
      threadId: null,
      turnId: null,
      lastUserText: null,
      toolOutputs: 0,
      stepKind: 'rejected',
      error: message,
    });
    notify(requests[requests.length - 1]);
    sendJson(res, status, { error: { message, type: 'invalid_request_error' } });
  };

  const handleResponses = async (req: IncomingMessage, res: ServerResponse, signal: AbortSignal): Promise<void> => {
    const read = await readBody(req);
    if (!read.ok) return reject(res, read.status, read.message);
    let body: unknown;
    try {
      body = JSON.parse(read.text);
    } catch {
      return reject(res, 400, 'the request body is not JSON');
    }
    if (!isRecord(body) || !Array.isArray(body['input'])) {
      return reject(res, 400, 'the request body must be an object with an "input" array');
    }
    const input: unknown[] = body['input'];
    const view = readModelInput(input);
    const selected = selectStep(view, rules);
    responseSeq += 1;
    const responseId = `resp_${responseSeq}`;
    const record: RecordedRequest = {
      seq: requests.length + 1,
      at: new Date().toISOString(),
      threadId: header(req, 'thread-id') ?? header(req, 'session-id') ?? stringField(body, 'prompt_cache_key'),
      turnId: turnIdOf(req, body),
      lastUserText: view.lastUserText ?? null,
      toolOutputs: view.toolOutputs.length,
      stepKind: selected.step.kind,
      stepIndex: selected.index,
      source: selected.script.source,
      responseId,
    };
    if (view.lastToolOutput !== undefined) record.lastToolOutput = view.lastToolOutput;
    const model = stringField(body, 'model');
    if (model !== null) record.model = model;
    if (view.clientUserMessageIds.length > 0) record.clientUserMessageIds = view.clientUserMessageIds;
    requests.push(record);
    notify(record);
    const now = new Date();
    // A turn's first request sets the windows (its later requests would move a relative reset time).
    const directive = view.toolOutputs.length === 0 && selected.script.source === 'directive' ? rateLimitDirectiveOf(view.lastUserText ?? '') : undefined;
    try {
      if (directive !== undefined) rateLimits = parseRateLimitDirective(directive, now);
    } catch {
      // A malformed line keeps the windows as they were; the reply (scriptForText) already says why.
    }
    await playStep(res, selected.step, responseId, estimateTokens(JSON.stringify(input)), signal, selected.script.usage, rateLimitHeaders(rateLimits, now));
  };

  await new Promise<void>((resolve, reject_) => {
    server.once('error', reject_);
    server.listen(port, host, () => {
      server.off('error', reject_);
      resolve();
    });
  });
  const address = server.address() as AddressInfo;
  const urlHost = address.family === 'IPv6' || address.address.includes(':') ? `[${address.address}]` : address.address;

  const close = (): Promise<void> => {
    closing ??= new Promise<void>((resolve) => {
      server.close(() => resolve());
      for (const controller of streams) controller.abort();
      // Hanging streams and keep-alive sockets would hold server.close() open forever.
      server.closeAllConnections();
    });
    return closing;
  };

  return {
    url: `http://${urlHost}:${address.port}/v1`,
    port: address.port,
    requests,
    setRateLimits(limits: SimRateLimits | null): void {
      rateLimits = limits;
    },
    setRules(next: readonly SimRule[]): void {
      validateRules(next);
      rules = next;
    },
    close,
    [Symbol.asyncDispose]: close,
  };
}

type BodyRead = { ok: true; text: string } | { ok: false; status: number; message: string };

async function readBody(req: IncomingMessage): Promise<BodyRead> {
  const chunks: Buffer[] = [];
  let size = 0;
  try {
    for await (const chunk of req) {
      const buffer = chunk as Buffer;
      size += buffer.length;
      if (size > MAX_BODY_BYTES) {
        req.resume();
        return { ok: false, status: 413, message: `the request body exceeds ${MAX_BODY_BYTES} bytes` };
      }
      chunks.push(buffer);
    }
  } catch (error) {
    return { ok: false, status: 400, message: `could not read the request body: ${errorMessage(error)}` };
  }
  const raw = Buffer.concat(chunks);
  const encoding = (header(req, 'content-encoding') ?? 'identity').toLowerCase();
  try {
    // Codex sends plain JSON today; other Responses clients may compress.
    switch (encoding) {
      case 'identity':
        return { ok: true, text: raw.toString('utf8') };
      case 'gzip':
        return { ok: true, text: gunzipSync(raw).toString('utf8') };
      case 'deflate':
        return { ok: true, text: inflateSync(raw).toString('utf8') };
      case 'br':
        return { ok: true, text: brotliDecompressSync(raw).toString('utf8') };
      default:
        return { ok: false, status: 415, message: `unsupported content-encoding ${encoding}` };
    }
  } catch (error) {
    return { ok: false, status: 400, message: `could not decode the ${encoding} body: ${errorMessage(error)}` };
  }
}

function turnIdOf(req: IncomingMessage, body: Record<string, unknown>): string | null {
  const metadata = header(req, 'x-codex-turn-metadata');
  if (metadata !== null) {
    try {
      const parsed: unknown = JSON.parse(metadata);
      if (isRecord(parsed) && typeof parsed['turn_id'] === 'string') return parsed['turn_id'];
    } catch {
      // Malformed metadata only costs the turn id; the body may still carry it.
    }
  }
  const clientMetadata = body['client_metadata'];
  return isRecord(clientMetadata) ? stringField(clientMetadata, 'turn_id') : null;
}

function header(req: IncomingMessage, name: string): string | null {
  const value = req.headers[name];
  const first = Array.isArray(value) ? value[0] : value;
  return first === undefined || first === '' ? null : first;
}

function stringField(record: Record<string, unknown>, key: string): string | null {
  const value = record[key];
  return typeof value === 'string' && value !== '' ? value : null;
}

function isLoopback(host: string): boolean {
  if (host === 'localhost') return true;
  if (isIP(host) === 4) return host.startsWith('127.');
  return host === '::1';
}

function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
