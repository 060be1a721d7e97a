import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { PassThrough } from 'node:stream';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { InMemoryTransport } from '@modelcontextprotocol/sdk/inMemory.js';
import { ReadBuffer, serializeMessage } from '@modelcontextprotocol/sdk/shared/stdio.js';
import type { Transport } from '@modelcontextprotocol/sdk/shared/transport.js';
import type { CallToolResult, JSONRPCMessage, Tool } from '@modelcontextprotocol/sdk/types.js';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { opList } from '../../../src/contracts/index.js';
import { resolvePaths } from '../../../src/control/paths.js';
import { DispatchError } from '../../../src/shared/errors.js';
import { DISPATCH_VERSION } from '../../../src/shared/version.js';
import { createMcpServer, runMcpStdio } from '../../../src/surfaces/mcp/server.js';
import { deriveTools } from '../../../src/surfaces/mcp/tools.js';
import { createAjv2020, describeErrors } from './ajv.js';

interface Recorded {
  op: string;
  input: unknown;
}

/** A fake daemon: records every call and answers with `reply`. */
function fakeCall(reply: (op: string, input: unknown, signal: AbortSignal) => Promise<unknown>) {
  const calls: Recorded[] = [];
  const call = async (op: string, input: unknown, options: { signal: AbortSignal }): Promise<unknown> => {
    calls.push({ op, input });
    return reply(op, input, options.signal);
  };
  return { calls, call };
}

async function connect(call: Parameters<typeof createMcpServer>[0]): Promise<Client> {
  const [clientSide, serverSide] = InMemoryTransport.createLinkedPair();
  await createMcpServer(call).connect(serverSide);
  const client = new Client({ name: 'dispatch-test', version: '0' });
  await client.connect(clientSide);
  return client;
}

function opEnum(tool: Tool): string[] {
  return (tool.inputSchema.properties?.['op'] as { enum?: string[] } | undefined)?.enum ?? [];
}

describe('createMcpServer over the SDK in-memory transport', () => {
  let client: Client;
  const fake = fakeCall(async (op) => {
    if (op === 'trigger.rm') return { id: 't1', removed: true };
    if (op === 'goal.status') return { lane: 'thread-1', goal: null };
    if (op === 'daemon.status') return { not: 'a status' };
    if (op === 'lane.get') throw new DispatchError('not_found', "no lane matches '@nope'", { data: { lane: '@nope', code: 'shadowed' } });
    if (op === 'lane.list') throw new Error('boom');
    return {};
  });

  beforeEach(async () => {
    fake.calls.length = 0;
    client = await connect(fake.call);
  });
  afterEach(async () => {
    await client.close();
  });

  it('introduces itself as dispatch at this version', () => {
    expect(client.getServerVersion()).toMatchObject({ name: 'dispatch', version: DISPATCH_VERSION });
    expect(client.getServerCapabilities()?.tools).toBeDefined();
    expect(client.getInstructions()).toMatch(/op/);
  });

  it('lists every derived tool with its schemas and annotations', async () => {
    const { tools } = await client.listTools();
    expect(tools).toEqual(deriveTools().map((t) => t.tool));
    for (const tool of tools) {
      expect(tool.inputSchema.type).toBe('object');
      expect(tool.outputSchema?.type).toBe('object');
    }
  });

  it('reaches every op in the registry through exactly one tool action (parity)', async () => {
    const { tools } = await client.listTools();
    for (const op of opList) {
      const homes = tools.filter((t) => opEnum(t).includes(op.name.replace(/-/g, '_')));
      expect(homes.map((t) => t.name), `op ${op.name} is reachable over MCP exactly once`).toEqual([`dispatch_${op.group}_${op.intent}`]);
    }
    expect(tools.reduce((n, t) => n + opEnum(t).length, 0)).toBe(opList.length);
  });

  it('sets annotations from each intent', async () => {
    const { tools } = await client.listTools();
    for (const tool of tools) {
      const intent = tool.name.split('_').at(-1);
      const members = opList.filter((op) => opEnum(tool).includes(op.name.replace(/-/g, '_')));
      expect(members.every((op) => op.intent === intent)).toBe(true);
      expect(tool.annotations).toEqual({
        title: expect.any(String) as string,
        readOnlyHint: intent === 'read',
        destructiveHint: intent === 'destroy',
        idempotentHint: members.every((op) => op.idempotent),
        openWorldHint: false,
      });
    }
  });

  it('validates every op example (plus op) against the listed inputSchema and rejects unknown fields', async () => {
    const ajv = createAjv2020();
    const { tools } = await client.listTools();
    for (const op of opList) {
      const action = op.name.replace(/-/g, '_');
      const tool = tools.find((t) => opEnum(t).includes(action));
      const validate = ajv.compile(tool?.inputSchema ?? {});
      for (const example of op.examples) {
        const args = { op: action, ...example.input };
        expect(validate(args), `${op.name} '${example.name}': ${describeErrors(validate)}`).toBe(true);
        expect(validate({ ...args, not_a_field: true }), `${op.name} rejects an unknown field`).toBe(false);
      }
    }
  });

  it('routes a call to the op with the op key removed and returns structured content', async () => {
    await client.listTools();
    const result = (await client.callTool({ name: 'dispatch_trigger_destroy', arguments: { op: 'trigger.rm', id: 't1' } })) as CallToolResult;
    expect(fake.calls).toEqual([{ op: 'trigger.rm', input: { id: 't1' } }]);
    expect(result.isError).toBeFalsy();
    expect(result.structuredContent).toEqual({ id: 't1', removed: true });
    expect(result.content).toEqual([{ type: 'text', text: JSON.stringify({ id: 't1', removed: true }) }]);

    const goal = (await client.callTool({ name: 'dispatch_lane_read', arguments: { op: 'goal.status', lane: '@a' } })) as CallToolResult;
    expect(fake.calls.at(-1)).toEqual({ op: 'goal.status', input: { lane: '@a' } });
    expect(goal.structuredContent).toEqual({ lane: 'thread-1', goal: null });
  });

  it('has its outputSchema enforced by the SDK client', async () => {
    await client.listTools();
    // The fake's status answer matches neither status nor log output, so a validating client must refuse it.
    await expect(client.callTool({ name: 'dispatch_daemon_read', arguments: { op: 'daemon.status' } })).rejects.toThrow(/structured content does not match/i);
  });

  it('turns a DispatchError into an isError result carrying the code, exit code, rpc code and data', async () => {
    const result = (await client.callTool({ name: 'dispatch_lane_read', arguments: { op: 'lane.get', lane: '@nope' } })) as CallToolResult;
    expect(result.isError).toBe(true);
    expect(result.content).toEqual([{ type: 'text', text: "no lane matches '@nope'" }]);
    expect(result._meta).toEqual({ lane: '@nope', code: 'not_found', exitCode: 4, rpcCode: -32004, retryable: false });
  });

  it('reports other failures as internal errors', async () => {
    const result = (await client.callTool({ name: 'dispatch_lane_read', arguments: { op: 'lane.list' } })) as CallToolResult;
    expect(result.isError).toBe(true);
    expect(result._meta).toMatchObject({ code: 'internal', exitCode: 1 });
  });

  it('refuses an unknown or missing action as a validation tool error without calling the daemon', async () => {
    const unknown = (await client.callTool({ name: 'dispatch_lane_read', arguments: { op: 'explode', lane: '@a' } })) as CallToolResult;
    expect(unknown.isError).toBe(true);
    expect(unknown._meta).toMatchObject({ code: 'validation', exitCode: 2, rpcCode: -32602, tool: 'dispatch_lane_read', op: 'explode' });
    const misplaced = (await client.callTool({ name: 'dispatch_lane_read', arguments: { op: 'trigger.rm', id: 't1' } })) as CallToolResult;
    expect(misplaced._meta).toMatchObject({ code: 'validation', tool_for_op: 'dispatch_trigger_destroy' });
    const missing = (await client.callTool({ name: 'dispatch_lane_read', arguments: {} })) as CallToolResult;
    expect(missing._meta).toMatchObject({ code: 'validation', exitCode: 2 });
    expect(fake.calls).toEqual([]);
  });

  it('answers an unknown tool name with a not_found tool error from the error table, without calling the daemon', async () => {
    const result = (await client.callTool({ name: 'dispatch_nope', arguments: { op: 'status' } })) as CallToolResult;
    expect(result.isError).toBe(true);
    expect(result._meta).toMatchObject({ code: 'not_found', exitCode: 4, rpcCode: -32004, tool: 'dispatch_nope' });
    expect(fake.calls).toEqual([]);
  });
});

describe('cancellation', () => {
  it('aborts the op call when the MCP client cancels the request', async () => {
    let aborted: (() => void) | undefined;
    const sawAbort = new Promise<void>((resolve) => {
      aborted = resolve;
    });
    const fake = fakeCall(
      (_op, _input, signal) =>
        new Promise((_resolve, reject) => {
          signal.addEventListener('abort', () => {
            aborted?.();
            reject(new DispatchError('cancelled', 'cancelled'));
          });
        }),
    );
    const client = await connect(fake.call);
    const controller = new AbortController();
    const pending = client.callTool({ name: 'dispatch_lane_write', arguments: { op: 'send', lane: '@a', text: 'hi' } }, undefined, { signal: controller.signal });
    await vi.waitFor(() => expect(fake.calls).toHaveLength(1));
    controller.abort('changed my mind');
    await expect(pending).rejects.toThrow();
    await sawAbort;
    await client.close();
  });
});

/** A client transport over a pair of streams, so the stdio server can be driven without a child process. */
class StreamClientTransport implements Transport {
  onmessage?: (message: JSONRPCMessage) => void;
  onclose?: () => void;
  onerror?: (error: Error) => void;
  private readonly buffer = new ReadBuffer();
  private readonly input: PassThrough;
  private readonly output: PassThrough;

  constructor(input: PassThrough, output: PassThrough) {
    this.input = input;
    this.output = output;
  }

  async start(): Promise<void> {
    this.input.on('data', (chunk: Buffer) => {
      this.buffer.append(chunk);
      for (let message = this.buffer.readMessage(); message; message = this.buffer.readMessage()) this.onmessage?.(message);
    });
  }

  async send(message: JSONRPCMessage): Promise<void> {
    this.output.write(serializeMessage(message));
  }

  async close(): Promise<void> {
    this.output.end();
    this.onclose?.();
  }
}

describe('runMcpStdio', () => {
  let home: string;
  beforeEach(() => {
    home = mkdtempSync(path.join(os.tmpdir(), 'dispatch-mcp-'));
  });
  afterEach(() => {
    rmSync(home, { recursive: true, force: true });
  });

  it('serves over stdio without a daemon until tools are called, and stops at end of input', async () => {
    vi.stubEnv('DISPATCH_NO_AUTOSTART', '1');
    const toServer = new PassThrough();
    const fromServer = new PassThrough();
    const served = runMcpStdio({ paths: resolvePaths({ DISPATCH_HOME: home }), stdin: toServer, stdout: fromServer });
    const client = new Client({ name: 'dispatch-test', version: '0' });
    await client.connect(new StreamClientTransport(fromServer, toServer));

    const { tools } = await client.listTools();
    expect(tools.map((t) => t.name)).toContain('dispatch_daemon_read');
    // No daemon and no auto-start: the call fails as a tool error, not a protocol error.
    const result = (await client.callTool({ name: 'dispatch_daemon_read', arguments: { op: 'daemon.status' } })) as CallToolResult;
    expect(result.isError).toBe(true);
    expect(result._meta).toMatchObject({ code: 'daemon_unreachable', exitCode: 8, retryable: true });

    await client.close();
    await expect(served).resolves.toBeUndefined();
  });
});
