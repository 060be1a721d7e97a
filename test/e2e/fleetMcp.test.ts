import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DISPATCH_BIN, pollUntil } from '../helpers/dispatchHarness.js';
import { startStation, type TestStation } from '../helpers/fleetHarness.js';
import { createTestDatabase } from '../helpers/postgres.js';

type Row = Record<string, unknown>;

// An orchestrating agent on station a drives a lane of station b through `dispatch mcp` (the SDK's client):
// the same ops, NAME@STATION and m<N> receipts as the CLI, their outputs valid against the advertised schemas.
describe('the fleet over MCP', () => {
  let a: TestStation;
  let b: TestStation;
  let client: Client;
  const call = async (name: string, args: Row): Promise<Row> => {
    const result = await client.callTool({ name, arguments: args });
    if (result.isError) throw new Error(`${name} ${JSON.stringify(args)} failed: ${JSON.stringify(result.content)}`);
    return result.structuredContent as Row;
  };

  beforeAll(async () => {
    const url = await createTestDatabase();
    a = await startStation('mcp-a', url);
    b = await startStation('mcp-b', url);
    await b.ok(['new', '--name', 'worker', '--prefix', '', '--no-send']);
    client = new Client({ name: 'fleet-test', version: '0' });
    await client.connect(new StdioClientTransport({ command: process.execPath, args: [DISPATCH_BIN, 'mcp'], env: a.env as Record<string, string>, cwd: a.workspace, stderr: 'pipe' }));
    await pollUntil(() => a.run(['lane', 'get', 'worker@mcp-b', '--json']), (r) => r.code === 0, 'worker@mcp-b in the directory', 30_000);
  }, 120_000);
  afterAll(async () => {
    await client?.close();
    await a?.close();
    await b?.close();
  });

  it('sends to worker@mcp-b, follows receipt m<N> to completed, and reads the lane, its tail and the fleet', async () => {
    const sent = await call('dispatch_lane_write', { op: 'send', lane: 'worker@mcp-b', text: '@sim reply done over mcp' });
    expect(sent).toMatchObject({ state: 'queued', station: 'mcp-b' });
    expect(sent['receipt']).toMatch(/^m\d+$/);
    const done = await pollUntil(() => call('dispatch_delivery_read', { op: 'delivery.get', receipt: sent['receipt'] }), (d) => d['state'] === 'completed', 'the remote receipt completing', 60_000);
    expect(done['turn_id']).toEqual(expect.any(String));
    const lane = await pollUntil(() => call('dispatch_lane_read', { op: 'lane.get', lane: 'worker@mcp-b' }), (l) => l['last_agent_message'] === 'done over mcp', 'the published reply', 30_000);
    expect(lane).toMatchObject({ station: 'mcp-b', reachable: true });
    const tail = await call('dispatch_lane_read', { op: 'lane.tail', lane: 'worker@mcp-b' });
    expect((tail['items'] as Row[]).some((item) => item['type'] === 'agentMessage' && item['text'] === 'done over mcp')).toBe(true);
    const fleet = await call('dispatch_daemon_read', { op: 'fleet.status' });
    expect((fleet['stations'] as Row[]).map((s) => [s['name'], s['state']])).toEqual([
      ['mcp-a', 'up'],
      ['mcp-b', 'up'],
    ]);
  }, 120_000);
});
