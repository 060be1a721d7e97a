import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { opList } from '../../src/contracts/index.js';
import { DISPATCH_BIN, pollUntil, startDispatchHarness, waitForLane, type DispatchHarness } from '../helpers/dispatchHarness.js';

// A real MCP client (the SDK's) drives `dispatch mcp` as a process, which forwards to the daemon.
describe('dispatch mcp', () => {
  let h: DispatchHarness;
  let client: Client;
  beforeAll(async () => {
    h = await startDispatchHarness();
    client = new Client({ name: 'dispatch-test', version: '0' });
    await client.connect(
      new StdioClientTransport({ command: process.execPath, args: [DISPATCH_BIN, 'mcp'], env: h.env as Record<string, string>, cwd: h.workspace, stderr: 'pipe' }),
    );
  }, 60_000);
  afterAll(async () => {
    await client?.close();
    await h?.close();
  });

  it('lists grouped tools covering every op, with annotations from each intent', async () => {
    const { tools } = await client.listTools();
    const names = tools.map((t) => t.name);
    expect(names).toEqual(expect.arrayContaining(['dispatch_lane_read', 'dispatch_lane_write', 'dispatch_lane_destroy', 'dispatch_trigger_read', 'dispatch_daemon_read']));
    const actions = new Set(
      tools.flatMap((t) => (t.inputSchema.properties?.['op'] as { enum?: string[] } | undefined)?.enum ?? []),
    );
    for (const op of opList) expect(actions.has(op.name), `op ${op.name} is reachable over MCP`).toBe(true);
    const read = tools.find((t) => t.name === 'dispatch_lane_read');
    expect(read?.annotations?.readOnlyHint).toBe(true);
    expect(tools.find((t) => t.name === 'dispatch_lane_destroy')?.annotations?.destructiveHint).toBe(true);
  });

  it('runs a write op and a read op through the daemon', async () => {
    const created = await client.callTool({ name: 'dispatch_lane_write', arguments: { op: 'new', name: 'mcp-lane', prefix: '', text: '@sim reply made over MCP' } });
    expect(created.isError).toBeFalsy();
    expect((created.structuredContent as { handle: string }).handle).toBe('@mcp-lane');
    await waitForLane(h, 'mcp-lane');
    const roster = await client.callTool({ name: 'dispatch_lane_read', arguments: { op: 'lane.list' } });
    const lanes = (roster.structuredContent as { lanes: Array<{ handle: string; status: string }> }).lanes;
    expect(lanes.find((l) => l.handle === '@mcp-lane')?.status).toBe('idle');
    const shown = await client.callTool({ name: 'dispatch_lane_read', arguments: { op: 'lane.get', lane: 'mcp-lane' } });
    expect((shown.structuredContent as { last_agent_message: string }).last_agent_message).toBe('made over MCP');
  });

  it('shows the agent\'s question to an MCP client and takes its answer', { timeout: 60_000 }, async () => {
    await client.callTool({ name: 'dispatch_lane_write', arguments: { op: 'new', name: 'mcp-asks', prefix: '', text: '@sim ask Ship it? | yes | no\n@sim reply {{last_tool_output}}' } });
    type Listed = { requests: Array<{ id: number; prompt: { questions: Array<{ id: string; options: Array<{ label: string }> }> } }> };
    // codex marks the thread waiting slightly before it sends the request itself: poll the list.
    const listed = await pollUntil(
      async () => (await client.callTool({ name: 'dispatch_request_read', arguments: { op: 'request.list', lane: 'mcp-asks' } })).structuredContent as Listed,
      (list) => list.requests.length > 0,
      'the question being listed',
    );
    const [request] = listed.requests;
    expect(request?.prompt.questions[0]?.options.map((o) => o.label)).toEqual(['yes', 'no']);
    const answered = await client.callTool({ name: 'dispatch_request_write', arguments: { op: 'request.respond', id: request?.id, answer: ['yes'] } });
    expect(answered.isError).toBeFalsy();
    expect((await waitForLane(h, 'mcp-asks'))['last_agent_message']).toBe('{"answers":{"q1":{"answers":["yes"]}}}');
  });

  it('returns typed tool errors', async () => {
    const missing = await client.callTool({ name: 'dispatch_lane_read', arguments: { op: 'lane.get', lane: 'no-such-lane' } });
    expect(missing.isError).toBe(true);
    expect(missing._meta?.['code']).toBe('not_found');
    expect(missing._meta?.['exitCode']).toBe(4);
    const unknownField = await client.callTool({ name: 'dispatch_lane_read', arguments: { op: 'lane.list', surprise: 1 } });
    expect(unknownField.isError).toBe(true);
    expect(unknownField._meta?.['code']).toBe('validation');
  });
});
