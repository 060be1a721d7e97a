import net from 'node:net';
import path from 'node:path';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DISPATCH_BIN, startDispatchHarness, type DispatchHarness } from '../helpers/dispatchHarness.js';

interface RpcReply {
  id: number;
  result?: Record<string, unknown>;
  error?: { message: string; data?: { code?: string } };
}

/** Sends JSON-RPC requests over the control socket, one line each, and collects a reply per id (with a deadline). */
function controlRequests(socketPath: string, requests: Array<{ method: string; params: unknown }>, timeoutMs = 15_000): Promise<RpcReply[]> {
  return new Promise((resolve, reject) => {
    const socket = net.createConnection(socketPath);
    const replies = new Map<number, RpcReply>();
    let buffered = '';
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new Error(`control socket answered ${replies.size} of ${requests.length} requests within ${timeoutMs} ms`));
    }, timeoutMs);
    socket.on('data', (chunk) => {
      buffered += chunk.toString();
      const lines = buffered.split('\n');
      buffered = lines.pop() ?? '';
      for (const line of lines.filter(Boolean)) {
        const reply = JSON.parse(line) as RpcReply;
        if (typeof reply.id === 'number') replies.set(reply.id, reply);
      }
      if (replies.size === requests.length) {
        clearTimeout(timer);
        socket.end();
        resolve(requests.map((_, i) => replies.get(i + 1) as RpcReply));
      }
    });
    socket.on('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
    requests.forEach((request, i) => socket.write(`${JSON.stringify({ jsonrpc: '2.0', id: i + 1, ...request })}\n`));
  });
}

// Ops are named after their command words now (`show` is `lane.get`); what was scripted against the old names keeps working.
describe('old op names', () => {
  let h: DispatchHarness;
  let socketPath: string;
  let hashes: Record<string, string>;
  beforeAll(async () => {
    h = await startDispatchHarness();
    socketPath = path.join(h.home, 'dispatchd.sock');
    await h.ok(['new', '--name', 'alpha', '--prefix', '', '--no-send']);
    const [hello] = await controlRequests(socketPath, [{ method: 'hello', params: { protocol: 1, version: 'script', op_hashes: {} } }]);
    hashes = (hello?.result?.['op_hashes'] ?? {}) as Record<string, string>;
  }, 60_000);
  afterAll(async () => {
    await h?.close();
  });

  it('are accepted on the control socket, checked against the same input-schema hash as the new name', async () => {
    expect(hashes['show']).toBe(hashes['lane.get']);
    expect(hashes['trigger-add']).toBe(hashes['trigger.add']);
    const call = (op: string, input: unknown, inputHash: string | undefined) => ({ method: 'call', params: { op, input, input_hash: inputHash, cwd: h.workspace } });
    // A control client says hello before it calls.
    const [, shown, listed, added, skewed] = await controlRequests(socketPath, [
      { method: 'hello', params: { protocol: 1, version: 'script', op_hashes: {} } },
      call('show', { lane: 'alpha' }, hashes['show']),
      call('roster', {}, hashes['roster']),
      call('trigger-add', { name: 'old-name', lane: 'alpha', when: 'interval', seconds: 3600, action: 'inbox', text: 'ping' }, hashes['trigger-add']),
      call('show', { lane: 'alpha' }, '0000000000000000'),
    ]);
    expect(shown?.error).toBeUndefined();
    expect(shown?.result?.['handle']).toBe('@alpha');
    expect((listed?.result?.['lanes'] as Array<{ handle: string }> | undefined)?.map((l) => l.handle)).toContain('@alpha');
    expect(added?.result?.['name']).toBe('old-name');
    expect(skewed?.error?.data?.code).toBe('version_skew');
    const triggers = await h.ok<{ triggers: Array<{ name: string }> }>(['trigger', 'list']);
    expect(triggers.triggers.map((t) => t.name)).toContain('old-name');
    // The audit log names the op that ran, whichever name the caller used.
    const log = await h.ok<{ actions: Array<{ op: string; detail: string | null }> }>(['daemon', 'log', '--limit', '20']);
    expect(log.actions.find((a) => a.detail === 'old-name')?.op).toBe('trigger.add');
  });

  it('are accepted over MCP, as old op names and as the action spellings earlier tools listed', async () => {
    const client = new Client({ name: 'dispatch-test', version: '0' });
    await client.connect(
      new StdioClientTransport({ command: process.execPath, args: [DISPATCH_BIN, 'mcp'], env: h.env as Record<string, string>, cwd: h.workspace, stderr: 'pipe' }),
    );
    try {
      const { tools } = await client.listTools();
      const read = tools.find((t) => t.name === 'dispatch_lane_read');
      expect((read?.inputSchema.properties?.['op'] as { enum?: string[] } | undefined)?.enum).toEqual(expect.arrayContaining(['lane.get', 'lane.list', 'goal.status']));
      expect(read?.description).toContain('- lane.get: ');
      const shown = await client.callTool({ name: 'dispatch_lane_read', arguments: { op: 'show', lane: 'alpha' } });
      expect(shown.isError).toBeFalsy();
      expect((shown.structuredContent as { handle: string }).handle).toBe('@alpha');
      const roster = await client.callTool({ name: 'dispatch_lane_read', arguments: { op: 'roster' } });
      expect((roster.structuredContent as { lanes: Array<{ handle: string }> }).lanes.map((l) => l.handle)).toContain('@alpha');
      const goal = await client.callTool({ name: 'dispatch_lane_read', arguments: { op: 'goal_get', lane: 'alpha' } });
      expect(goal.isError).toBeFalsy();
      expect(goal.structuredContent).toMatchObject({ goal: null });
    } finally {
      await client.close();
    }
  });

  it('still find their schema, which names the op by its new name', async () => {
    expect((await h.ok<{ op: string }>(['schema', 'show'])).op).toBe('lane.get');
    expect((await h.ok<{ op: string }>(['schema', 'trigger-add'])).op).toBe('trigger.add');
    expect((await h.ok<{ op: string }>(['schema', 'lane.open'])).op).toBe('lane.open');
  });
});
