import type { Readable, Writable } from 'node:stream';
import { Server } from '@modelcontextprotocol/sdk/server/index.js';
import { StdioServerTransport } from '@modelcontextprotocol/sdk/server/stdio.js';
import { CallToolRequestSchema, ErrorCode as McpErrorCode, ListToolsRequestSchema, type CallToolResult, type JSONRPCMessage } from '@modelcontextprotocol/sdk/types.js';
import { DaemonClient, ensureDaemon } from '../../client/client.js';
import { resolvePaths, type DispatchPaths } from '../../control/paths.js';
import { DispatchError, ERROR_TABLE, toDispatchError } from '../../shared/errors.js';
import { DISPATCH_VERSION } from '../../shared/version.js';
import { registryToolList, routeToolCall, type DerivedTool } from './tools.js';
import { isRecord } from '../../shared/records.js';
import { BoundedLines, MCP_LIMITS, type OversizedRequest } from './limits.js';
import { serveLaneResources } from './laneResources.js';
import { withProgress } from './progress.js';

/** Runs one op; the stdio server forwards to the daemon, tests pass a fake. */
export type OpCaller = (op: string, input: Record<string, unknown>, options: { signal: AbortSignal }) => Promise<unknown>;

const INSTRUCTIONS = [
  'dispatch runs OpenAI Codex agents as named lanes behind a local daemon.',
  "Every tool takes an `op` argument that picks the action; the other arguments are that op's input.",
  'Tools are split by safety: *_read tools never change state, *_write tools do, *_destroy tools remove or roll back state.',
  'Lanes are addressed by @handle, thread id or a unique id prefix. Failed calls return isError with _meta.code set to the dispatch error code.',
  'To wait for a lane, call op lane.wait (until idle, done, failed or needs-you; send a progressToken for long waits); each lane is also a resource dispatch://lanes/<id> you can subscribe to.',
].join(' ');

/** What to do instead, in the tool's field names, from the structured data core raised. */
function hintFor(error: DispatchError): string {
  const modes = error.data?.['modes'];
  if (error.code !== 'lane_busy' || !Array.isArray(modes) || modes.length === 0) return '';
  return `; call again with mode set to one of ${modes.map(String).join(', ')}, or stop the turn`;
}

/** The MCP projection of a dispatch error: the table's code, exit code and rpc code, plus the error's data. */
export function errorResult(error: DispatchError): CallToolResult {
  const entry = ERROR_TABLE[error.code];
  return {
    isError: true,
    content: [{ type: 'text', text: `${error.message}${hintFor(error)}` }],
    // The table's keys go last so error data can never shadow the code a client branches on.
    _meta: { ...(error.data ?? {}), code: error.code, exitCode: entry.exit, rpcCode: entry.rpc, retryable: entry.retryable },
  };
}

const frameBytes = (result: CallToolResult): number => Buffer.byteLength(JSON.stringify(result));

/**
 * The MCP projection of an op result: compact JSON for text-only clients, the object itself as
 * structured content. A result whose answer would pass `maxBytes` is cut to fit: its largest list keeps
 * as many of its last entries (a transcript's newest items) as fit, `_meta.truncated` says how many of
 * how many, and the text says how to ask for less; a result that cannot be cut is a `limit_exceeded` error.
 */
export function successResult(result: unknown, maxBytes: number = MCP_LIMITS.maxResultBytes): CallToolResult {
  if (!isRecord(result)) {
    // Every op output is an object by contract (tools.ts enforces it); anything else is a daemon bug.
    throw new DispatchError('internal', `op result is not a JSON object (got ${result === null ? 'null' : typeof result})`);
  }
  const whole: CallToolResult = { content: [{ type: 'text', text: JSON.stringify(result) }], structuredContent: result };
  // The frame around the result (id, jsonrpc) is a few dozen bytes; 1 KiB of room covers it.
  const budget = maxBytes - 1024;
  const size = frameBytes(whole);
  if (size <= budget) return whole;
  const lists = Object.entries(result).filter((entry): entry is [string, unknown[]] => Array.isArray(entry[1]));
  const [field, list] = lists.sort((a, b) => JSON.stringify(b[1]).length - JSON.stringify(a[1]).length)[0] ?? [];
  const cut = (kept: number): CallToolResult => {
    const trimmed = { ...result, [field ?? '']: (list ?? []).slice((list ?? []).length - kept) };
    const note = `[dispatch: result cut to fit MCP's size limit: ${field} has the last ${kept} of ${list?.length ?? 0} entries; ask for fewer (a smaller limit) to see a page whole]`;
    return {
      content: [{ type: 'text', text: JSON.stringify(trimmed) }, { type: 'text', text: note }],
      structuredContent: trimmed,
      _meta: { truncated: { field, returned: kept, total: list?.length ?? 0, max_bytes: maxBytes } },
    };
  };
  if (field === undefined || list === undefined || frameBytes(cut(0)) > budget) {
    throw new DispatchError('limit_exceeded', `the result is ${size} bytes, over MCP's limit of ${maxBytes}; ask for less`, { data: { limit: 'maxResultBytes', max: maxBytes, bytes: size } });
  }
  // The most entries that fit: binary search, each probe measured as it will be sent.
  let low = 0;
  let high = list.length - 1;
  while (low < high) {
    const mid = Math.ceil((low + high) / 2);
    if (frameBytes(cut(mid)) <= budget) low = mid;
    else high = mid - 1;
  }
  return cut(low);
}

/** The answer to a request line too long to read: a tool error for a tool call, a JSON-RPC error otherwise; none without an id. */
export function oversizedAnswer(request: OversizedRequest): JSONRPCMessage | undefined {
  if (request.id === undefined) return undefined;
  const error = new DispatchError('limit_exceeded', `the request is ${request.bytes} bytes, over MCP's limit of ${MCP_LIMITS.maxRequestBytes}; send less (a long text from a file: dispatch send --text-file)`, {
    data: { limit: 'maxRequestBytes', max: MCP_LIMITS.maxRequestBytes, bytes: request.bytes },
  });
  if (request.method === 'tools/call') return { jsonrpc: '2.0', id: request.id, result: errorResult(error) };
  return { jsonrpc: '2.0', id: request.id, error: { code: McpErrorCode.InvalidRequest, message: error.message, data: { code: error.code, ...error.data } } };
}

/** Builds the dispatch MCP server (low-level SDK Server, since the grouped schemas are raw JSON Schema) around an op caller. */
export function createMcpServer(call: OpCaller, tools: readonly DerivedTool[] = registryToolList(), maxResultBytes: number = MCP_LIMITS.maxResultBytes): Server {
  const server = new Server({ name: 'dispatch', version: DISPATCH_VERSION }, { capabilities: { tools: { listChanged: false } }, instructions: INSTRUCTIONS });

  server.setRequestHandler(ListToolsRequestSchema, async () => ({ tools: tools.map((t) => t.tool) }));

  server.setRequestHandler(CallToolRequestSchema, async (request, extra) => {
    const { name, arguments: args } = request.params;
    // An unknown tool is answered like any failed call (routeToolCall raises not_found), so every error carries the table's code.
    try {
      const { op, input } = routeToolCall(name, args, tools);
      return successResult(await withProgress(extra, op, call(op, input, { signal: extra.signal })), maxResultBytes);
    } catch (error) {
      return errorResult(toDispatchError(error));
    }
  });

  return server;
}

/**
 * A lazily connected daemon caller: the daemon is found (or started) on the first tool call, not at
 * startup, so an MCP client can list tools without a daemon, and a dropped connection is re-made on the next call.
 */
export function daemonCaller(paths: DispatchPaths, env: NodeJS.ProcessEnv = process.env): { call: OpCaller; close: () => Promise<void> } {
  let pending: Promise<DaemonClient> | undefined;

  const connect = (): Promise<DaemonClient> => {
    if (pending) return pending;
    // DISPATCH_NO_AUTOSTART=1 matches the CLI: report daemon_unreachable instead of starting one.
    const attempt: Promise<DaemonClient> = ensureDaemon(paths, { autoStart: env['DISPATCH_NO_AUTOSTART'] !== '1', env }).then(
      (client) => {
        client.onClose(() => {
          if (pending === attempt) pending = undefined;
        });
        return client;
      },
      (error: unknown) => {
        // Forget the failure so the next call tries again (the daemon may have been started meanwhile).
        if (pending === attempt) pending = undefined;
        throw error;
      },
    );
    pending = attempt;
    return attempt;
  };

  return {
    call: async (op, input, { signal }) => (await connect()).call(op, input, { cwd: process.cwd(), signal }),
    close: async () => {
      const current = pending;
      pending = undefined;
      await current?.then((client) => client.close()).catch(() => undefined);
    },
  };
}

export interface McpStdioOptions {
  /** Defaults to resolvePaths(process.env). */
  paths?: DispatchPaths;
  /** Streams to serve on; default process.stdin/stdout (stdout is the MCP channel, so nothing else may write to it). */
  stdin?: Readable;
  stdout?: Writable;
  /** Runs the ops; defaults to the home's daemon (tests pass their own). */
  call?: OpCaller;
}

/** `dispatch mcp`: serves the dispatch tools over stdio until the client closes stdin; each tool call goes to dispatchd. */
export async function runMcpStdio(options: McpStdioOptions = {}): Promise<void> {
  const paths = options.paths ?? resolvePaths();
  const daemon = daemonCaller(paths);
  const call = options.call ?? daemon.call;
  const server = createMcpServer(call);
  const resources = serveLaneResources(server, {
    call,
    connect: () => ensureDaemon(paths, { autoStart: process.env['DISPATCH_NO_AUTOSTART'] !== '1' }),
    reconnect: () => DaemonClient.connect(paths.socket, { timeoutMs: 2000 }),
    log: (message) => process.stderr.write(`dispatch mcp: ${message}\n`),
  });
  const stdin = options.stdin ?? process.stdin;
  // The SDK's transport would give up (and the process exit) on a line past 10 MiB: only lines
  // that fit reach it; an oversized one is answered here, with its id when it can be found.
  const lines = new BoundedLines({
    onOversized: (request) => {
      const answer = oversizedAnswer(request);
      process.stderr.write(`dispatch mcp: refused a request of ${request.bytes} bytes (limit ${MCP_LIMITS.maxRequestBytes})\n`);
      if (answer) transport.send(answer).catch(() => undefined);
    },
  });
  stdin.pipe(lines);
  const transport = new StdioServerTransport(lines, options.stdout ?? process.stdout, { maxBufferSize: 2 * MCP_LIMITS.maxRequestBytes });
  const closed = new Promise<void>((resolve) => {
    server.onclose = resolve;
  });
  await server.connect(transport);
  // The SDK's stdio transport does not watch for end of input; without this an open daemon socket keeps the process alive.
  const endOfInput = (): void => void server.close();
  stdin.once('end', endOfInput);
  stdin.once('close', endOfInput);
  await closed;
  stdin.off('end', endOfInput);
  stdin.off('close', endOfInput);
  resources.close();
  await daemon.close();
}
