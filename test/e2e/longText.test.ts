import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MAX_TEXT_CHARS } from '../../src/contracts/limits.js';
import { DISPATCH_BIN, readRequestLog, startDispatchHarness, waitForLane, type CliResult, type DispatchHarness } from '../helpers/dispatchHarness.js';

type Receipt = { receipt: number; lane: string; state: string; text: string };

// Texts of any size reach a lane through --text-file or stdin; one over codex's limit is refused
// before a receipt exists, with the same validation error on the CLI and over MCP.
describe('long message texts', () => {
  let h: DispatchHarness;
  const allReceipts = async (): Promise<Receipt[]> => {
    const listed = await runWithStdin(['queue', 'list', '--all'], '');
    if (listed.code !== 0) throw new Error(`queue list exited ${listed.code}: ${listed.stderr}`);
    return (listed.json as { deliveries: Receipt[] }).deliveries;
  };
  // Receipts of these texts are bigger than the 1 MB of output Node buffers by default.
  const runWithStdin = (args: string[], input: string): Promise<CliResult> => h.run(args, { input, maxBuffer: 64 * 1024 * 1024 });
  const file = (name: string, text: string): string => {
    const at = path.join(h.home, name);
    writeFileSync(at, text);
    return at;
  };
  // A reply directive first, so the simulated model answers; the rest is a long brief.
  const brief = (chars: number, tag: string): string => `@sim reply got ${tag}\n${'x'.repeat(chars - `@sim reply got ${tag}\n`.length)}`;

  beforeAll(async () => {
    h = await startDispatchHarness();
    await h.ok(['new', '--name', 'big', '--prefix', '', '--no-send']);
  }, 60_000);
  afterAll(async () => h?.close());

  it('refuses a 2 MB --text-file with exit 2 and the limit, and writes no receipt', async () => {
    const over = file('over.txt', brief(2_000_000, 'over'));
    const before = await allReceipts();
    const sent = await h.run(['send', 'big', '--text-file', over]);
    expect(sent.code).toBe(2);
    expect(sent.stderr).toContain(String(MAX_TEXT_CHARS));
    expect((JSON.parse(sent.stderr) as { error: { code: string } }).error.code).toBe('validation');
    const created = await h.run(['new', '--name', 'never', '--prefix', '', '--text-file', over]);
    expect(created.code).toBe(2);
    expect(created.stderr).toContain(String(MAX_TEXT_CHARS));
    expect(await allReceipts()).toEqual(before);
    expect((await h.run(['lane', 'get', 'never'])).code).toBe(4);
  });

  it('refuses one character over the limit, counting characters as codex does (an emoji is one)', async () => {
    const emoji = '\u{1F600}';
    const exactly = file('exact.txt', `@sim reply exact\n${emoji.repeat(MAX_TEXT_CHARS - '@sim reply exact\n'.length)}`);
    const one = file('one-over.txt', `${'x'.repeat(MAX_TEXT_CHARS)}${emoji}`);
    const refused = await h.run(['send', 'big', '--text-file', one]);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toContain(`is ${MAX_TEXT_CHARS + 1} characters`);
    const accepted = await h.ok<{ receipt: number }>(['send', 'big', '--text-file', exactly]);
    expect(accepted.receipt).toBeGreaterThan(0);
    await waitForLane(h, 'big');
  });

  it('delivers a 300 KB text whole from stdin and from --text-file', async () => {
    const viaStdin = brief(300_000, 'stdin');
    const fromStdin = await runWithStdin(['send', 'big', '-'], viaStdin);
    expect(fromStdin.code, fromStdin.stderr).toBe(0);
    await waitForLane(h, 'big');
    const viaFile = brief(300_000, 'file');
    await h.ok(['send', 'big', '--text-file', file('brief.txt', viaFile)]);
    await waitForLane(h, 'big');
    const fromNew = brief(300_000, 'new');
    await runWithStdin(['new', '--name', 'piped', '--prefix', '', '--text', '-'], fromNew);
    await waitForLane(h, 'piped');
    const seen = readRequestLog(h.home).map((r) => r.lastUserText);
    for (const text of [viaStdin, viaFile, fromNew]) expect(seen).toContain(text);
    const receipts = await allReceipts();
    for (const text of [viaStdin, viaFile, fromNew]) expect(receipts.find((r) => r.text === text)?.state).toBe('completed');
  });

  it('refuses text and --text-file together, and send without any text', async () => {
    const both = await h.run(['send', 'big', 'hi', '--text-file', file('hi.txt', 'hi')]);
    expect(both.code).toBe(2);
    expect(both.stderr).toContain('--text-file');
    const none = await h.run(['send', 'big']);
    expect(none.code).toBe(2);
    expect(none.stderr).toContain('--text-file');
  });

  it('refuses an over-limit text over MCP with the same validation error', async () => {
    const client = new Client({ name: 'dispatch-test', version: '0' });
    await client.connect(new StdioClientTransport({ command: process.execPath, args: [DISPATCH_BIN, 'mcp'], env: h.env as Record<string, string>, cwd: h.workspace, stderr: 'pipe' }));
    try {
      const before = (await allReceipts()).length;
      const result = await client.callTool({ name: 'dispatch_lane_write', arguments: { op: 'send', lane: 'big', text: 'x'.repeat(MAX_TEXT_CHARS + 1) } });
      expect(result.isError).toBe(true);
      expect(result._meta?.['code']).toBe('validation');
      expect(JSON.stringify(result.content)).toContain(`is ${MAX_TEXT_CHARS + 1} characters; codex accepts at most ${MAX_TEXT_CHARS}`);
      expect((await allReceipts()).length).toBe(before);
    } finally {
      await client.close();
    }
  });
});
