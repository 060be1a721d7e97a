import { readFileSync } from 'node:fs';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { ResourceUpdatedNotificationSchema, type Progress } from '@modelcontextprotocol/sdk/types.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { resolvePaths } from '../../src/control/paths.js';
import { PROGRESS_INTERVAL_MS } from '../../src/surfaces/mcp/progress.js';
import { DISPATCH_BIN, pollUntil, startDispatchHarness, waitForLane, type DispatchHarness } from '../helpers/dispatchHarness.js';

const loggedOps = (home: string, message: string): string[] =>
  readFileSync(resolvePaths({ DISPATCH_HOME: home }).log, 'utf8')
    .split('\n')
    .filter((line) => line.includes(`"msg":"${message}"`))
    .map((line) => String((JSON.parse(line) as { op?: unknown }).op));

// The SDK's client over the real `dispatch mcp` process and a real daemon: waiting and being told.
describe('dispatch mcp, live', () => {
  let h: DispatchHarness;
  let client: Client;
  beforeAll(async () => {
    h = await startDispatchHarness();
    client = new Client({ name: 'dispatch-live-test', version: '0' });
    await client.connect(new StdioClientTransport({ command: process.execPath, args: [DISPATCH_BIN, 'mcp'], env: h.env as Record<string, string>, cwd: h.workspace, stderr: 'pipe' }));
  }, 60_000);
  afterAll(async () => {
    await client?.close();
    await h?.close();
  });

  const wait = (lane: string, until: string, options: Parameters<Client['callTool']>[2] = {}) =>
    client.callTool({ name: 'dispatch_lane_read', arguments: { op: 'lane.wait', lane, until, timeout: 120 } }, undefined, options);

  it('a lane subscribed as a resource sends resources/updated as it changes, and reads back as its detail', { timeout: 60_000 }, async () => {
    const { id } = await h.ok<{ id: string }>(['new', '--name', 'watched', '--prefix', '', '--no-send']);
    const uri = `dispatch://lanes/${id}`;
    const { resources } = await client.listResources();
    expect(resources.find((r) => r.uri === uri)).toMatchObject({ name: '@watched', mimeType: 'application/json' });
    const updates: string[] = [];
    client.setNotificationHandler(ResourceUpdatedNotificationSchema, (notification) => void updates.push(notification.params.uri));
    await client.subscribeResource({ uri });
    await h.ok(['send', 'watched', '@sim reply told over MCP']);
    await waitForLane(h, 'watched');
    await pollUntil(async () => updates.length, (n) => n > 0, 'a resources/updated notification');
    expect(new Set(updates)).toEqual(new Set([uri]));
    const read = await client.readResource({ uri });
    const content = read.contents[0];
    expect(JSON.parse(content && 'text' in content ? content.text : '{}')).toMatchObject({ id, handle: '@watched', last_agent_message: 'told over MCP', attention: 'done-unread' });
    await client.unsubscribeResource({ uri });
    const seen = updates.length;
    await h.ok(['send', 'watched', '@sim reply not told']);
    await waitForLane(h, 'watched');
    // Unsubscribed: the next change sends nothing (the wait above saw the whole turn settle).
    await client.readResource({ uri });
    expect(updates.length).toBe(seen);
  });

  it('lane.wait outlasts the client request timeout through progress notifications', { timeout: 90_000 }, async () => {
    await h.ok(['new', '--name', 'slow', '--prefix', '', '--no-send']);
    const progress: Progress[] = [];
    // Without progress the SDK fails the call after `timeout`; each notification resets it.
    const timeout = PROGRESS_INTERVAL_MS + 1500;
    const calledAt = Date.now();
    const waited = wait('slow', 'done', { timeout, resetTimeoutOnProgress: true, onprogress: (p) => void progress.push(p) });
    await pollUntil(async () => progress.length, (n) => n >= 1, 'a first progress notification', 30_000);
    // A reply streamed over 3 s, so the call runs well past the request timeout.
    const reply = 'at last '.repeat(12).trim();
    await h.ok(['send', 'slow', `@sim slow 60x50\n@sim reply ${reply}`]);
    const result = await waited;
    expect(Date.now() - calledAt).toBeGreaterThan(timeout);
    expect(result.isError, JSON.stringify(result.content)).toBeFalsy();
    expect(result.structuredContent).toMatchObject({ reason: 'reached', until: 'done', lane: { handle: '@slow', last_agent_message: reply } });
    expect(progress[0]?.message).toMatch(/lane\.wait: still running/);
  });

  it('a cancelled lane.wait is cancelled in the daemon too', { timeout: 60_000 }, async () => {
    await h.ok(['new', '--name', 'left', '--prefix', '', '--no-send']);
    const controller = new AbortController();
    const progress: Progress[] = [];
    const waited = wait('left', 'needs-you', { signal: controller.signal, onprogress: (p) => void progress.push(p) });
    await pollUntil(async () => progress.length, (n) => n >= 1, 'the wait running', 30_000);
    controller.abort();
    await expect(waited).rejects.toThrow();
    await pollUntil(async () => loggedOps(h.home, 'control.call_cancelled'), (ops) => ops.includes('lane.wait'), 'the daemon cancelling the wait');
  });

  it('a resource subscription outlives a daemon restart', { timeout: 90_000 }, async () => {
    const { id } = await h.ok<{ id: string }>(['new', '--name', 'survivor', '--prefix', '', '--no-send']);
    const uri = `dispatch://lanes/${id}`;
    const updates: string[] = [];
    client.setNotificationHandler(ResourceUpdatedNotificationSchema, (notification) => void updates.push(notification.params.uri));
    await client.subscribeResource({ uri });
    expect((await h.run(['down'])).code).toBe(0);
    expect((await h.run(['up', '--simulate'])).code).toBe(0);
    await h.ok(['send', 'survivor', '@sim reply after the restart']);
    await waitForLane(h, 'survivor');
    await pollUntil(async () => updates.filter((u) => u === uri).length, (n) => n > 0, 'resources/updated after the restart');
    const read = await client.readResource({ uri });
    const content = read.contents[0];
    expect(JSON.parse(content && 'text' in content ? content.text : '{}')).toMatchObject({ last_agent_message: 'after the restart' });
    await client.unsubscribeResource({ uri });
  });
});
