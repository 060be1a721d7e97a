import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MCP_LIMITS } from '../../src/surfaces/mcp/limits.js';
import { DISPATCH_BIN, startDispatchHarness, type DispatchHarness } from '../helpers/dispatchHarness.js';

const FIXTURE = fileURLToPath(new URL('../fixtures/mcpBigResult.ts', import.meta.url));

/** A request option: fail in seconds rather than wait for the SDK's default minute when the server is gone. */
const soon = { timeout: 30_000 };

describe('dispatch mcp size limits (real SDK client over stdio)', () => {
  let h: DispatchHarness;
  let client: Client;
  beforeAll(async () => {
    h = await startDispatchHarness();
    client = new Client({ name: 'dispatch-limits-test', version: '0' });
    await client.connect(new StdioClientTransport({ command: process.execPath, args: [DISPATCH_BIN, 'mcp'], env: h.env as Record<string, string>, cwd: h.workspace, stderr: 'pipe' }));
  }, 60_000);
  afterAll(async () => {
    await client?.close();
    await h?.close();
  });

  it('answers a request over the limit with a typed tool error and keeps serving', { timeout: 90_000 }, async () => {
    // Past the SDK's own 10 MiB read buffer, which made the server give up and exit.
    const text = 'a'.repeat(11 * 1024 * 1024);
    expect(text.length).toBeGreaterThan(MCP_LIMITS.maxRequestBytes);
    const refused = await client.callTool({ name: 'dispatch_lane_write', arguments: { op: 'send', lane: 'nobody', text } }, undefined, soon);
    expect(refused.isError).toBe(true);
    expect(refused._meta).toMatchObject({ code: 'limit_exceeded', limit: 'maxRequestBytes' });
    // The same server, the same connection, answers the next call.
    const listed = await client.callTool({ name: 'dispatch_lane_read', arguments: { op: 'lane.list' } }, undefined, soon);
    expect(listed.isError).toBeFalsy();
    expect((listed.structuredContent as { lanes: unknown[] }).lanes).toEqual([]);
    // A request that is not a tool call gets a JSON-RPC error instead of a silent exit.
    await expect(client.listTools({ cursor: 'c'.repeat(11 * 1024 * 1024) }, soon)).rejects.toThrow(/over MCP's limit/);
    expect((await client.listTools(undefined, soon)).tools.length).toBeGreaterThan(0);
  });
});

describe('dispatch mcp result cap (real SDK client over stdio)', () => {
  let home: string;
  let client: Client;
  beforeAll(async () => {
    home = mkdtempSync(path.join(os.tmpdir(), 'dsp-mcp-'));
    client = new Client({ name: 'dispatch-limits-test', version: '0' });
    await client.connect(new StdioClientTransport({ command: process.execPath, args: ['--import', 'tsx', FIXTURE], env: { PATH: process.env['PATH'] ?? '', HOME: home, DISPATCH_HOME: home }, stderr: 'pipe' }));
  }, 60_000);
  afterAll(async () => {
    await client?.close();
    rmSync(home, { recursive: true, force: true });
  });

  it('cuts a transcript over the limit to its newest items that fit, says so, and the connection survives', { timeout: 90_000 }, async () => {
    const tail = await client.callTool({ name: 'dispatch_lane_read', arguments: { op: 'lane.tail', lane: '@big', limit: 5000 } }, undefined, soon);
    expect(tail.isError).toBeFalsy();
    const items = (tail.structuredContent as { items: Array<{ item_id: string }> }).items;
    const truncated = tail._meta?.['truncated'] as { field: string; returned: number; total: number };
    expect(truncated).toMatchObject({ field: 'items', total: 1200 });
    expect(truncated.returned).toBe(items.length);
    expect(items.length).toBeGreaterThan(100);
    expect(items.length).toBeLessThan(1200);
    expect(items.at(-1)?.item_id).toBe('item-1199');
    expect(JSON.stringify(tail).length).toBeLessThan(MCP_LIMITS.maxResultBytes);
    expect((await client.listTools(undefined, soon)).tools.length).toBeGreaterThan(0);
  });
});
