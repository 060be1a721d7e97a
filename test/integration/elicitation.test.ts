import { appendFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CodexClient } from '../../src/codex/client.js';
import { createServerRequestResponder } from '../../src/codex/serverRequests.js';
import { ApprovalBroker } from '../../src/core/approvals.js';
import { silentLogger } from '../../src/core/context.js';
import type { LaneEvent } from '../../src/core/laneEvents.js';
import type { ServerRequestRecord } from '../../src/core/model.js';
import { openStore, type SqliteStore } from '../../src/store/index.js';
import { nextEvent, startCodexHarness, type CodexHarness } from '../helpers/codexHarness.js';

const SDK = path.resolve('node_modules/@modelcontextprotocol/sdk/dist/esm/server');

// A stdio MCP server whose one tool asks the user (elicitation/create) which region to deploy to.
const ELICITING_SERVER = `
import { McpServer } from ${JSON.stringify(path.join(SDK, 'mcp.js'))};
import { StdioServerTransport } from ${JSON.stringify(path.join(SDK, 'stdio.js'))};
const server = new McpServer({ name: 'deploy', version: '1' });
server.registerTool('deploy', { description: 'Deploy the app', inputSchema: {} }, async () => {
  const answer = await server.server.elicitInput({
    message: 'Which region?',
    requestedSchema: { type: 'object', properties: { region: { type: 'string', enum: ['eu', 'us'] } }, required: ['region'] },
  });
  return { content: [{ type: 'text', text: 'elicited ' + JSON.stringify(answer) }] };
});
await server.connect(new StdioServerTransport());
`;

// The real app-server, a real MCP server and the simulated model: the MCP server's question reaches a person.
describe('MCP elicitation on the pinned codex app-server', () => {
  let harness: CodexHarness;
  let client: CodexClient;
  let store: SqliteStore;
  let broker: ApprovalBroker;
  beforeAll(async () => {
    harness = await startCodexHarness();
    const script = path.join(harness.dir, 'eliciting-server.mjs');
    await writeFile(script, ELICITING_SERVER);
    await appendFile(path.join(harness.codexHome, 'config.toml'), `\n[mcp_servers.deploy]\ncommand = ${JSON.stringify(process.execPath)}\nargs = [${JSON.stringify(script)}]\n`);
    store = openStore({ path: ':memory:' });
    broker = new ApprovalBroker({ store, log: silentLogger });
    client = await harness.spawn();
    const respond = createServerRequestResponder({
      decide: (q) => broker.decide({ generation: q.generation, rpcId: q.requestId, laneId: q.laneId, method: q.method, kind: q.kind, signal: q.signal, ...(q.reason ? { reason: q.reason } : {}) }),
      ask: (q) => broker.ask({ generation: q.generation, rpcId: q.requestId, laneId: q.laneId, method: q.method, kind: q.kind, prompt: q.prompt, signal: q.signal }),
    });
    client.onServerRequest('mcpServer/elicitation/request', (params, context) => respond({ generation: 1, id: context.id, method: context.method, params, signal: context.signal }));
  }, 60_000);
  afterAll(async () => {
    store?.close();
    await harness?.close();
  });

  const pending = async (): Promise<ServerRequestRecord> => {
    const deadline = Date.now() + 20_000;
    for (;;) {
      const [row] = store.requests.list({ states: ['pending'] });
      if (row) return row;
      if (Date.now() > deadline) throw new Error('no pending request');
      await new Promise((r) => setTimeout(r, 50));
    }
  };

  it('asks approval for the tool call, then shows the form; the answer goes back to the MCP server', { timeout: 60_000 }, async () => {
    // MCP elicitations reach the client only when the thread may ask (under "never" codex declines them itself).
    const { thread } = await client.request('thread/start', { cwd: harness.workspace, ephemeral: true, approvalPolicy: 'on-request', sandbox: 'danger-full-access' });
    store.lanes.insert({ id: thread.id, handle: '@mcp', source: 'own', cwd: harness.workspace, status: 'busy', settings: { sandbox: 'danger-full-access', approvalPolicy: 'on-request' }, ephemeral: true });
    const done = nextEvent(client, (e: LaneEvent) => e.type === 'turnCompleted' && e.laneId === thread.id, 40_000);
    await client.turnStart({ threadId: thread.id, text: '@sim mcp deploy deploy\n@sim reply {{last_tool_output}}' });

    const toolApproval = await pending();
    expect(toolApproval).toMatchObject({ kind: 'mcpToolCall', summary: 'Allow the deploy MCP server to run tool "deploy"?', prompt: null });
    broker.respond(toolApproval.id, 'accept');

    const form = await pending();
    expect(form).toMatchObject({
      kind: 'elicitation',
      summary: 'deploy: Which region? [region]',
      prompt: { type: 'form', server: 'deploy', message: 'Which region?', fields: [{ name: 'region', type: 'string', required: true, choices: ['eu', 'us'] }] },
    });
    expect(() => broker.respond(form.id, undefined, ['mars'])).toThrow(/not allowed/);
    expect(broker.respond(form.id, undefined, ['eu'])).toMatchObject({ state: 'answered', decision: 'accept', answer: { region: 'eu' } });

    const completed = await done;
    expect(completed.type === 'turnCompleted' && completed.lastAgentMessage).toBe('elicited {"action":"accept","content":{"region":"eu"}}');
  });
});
