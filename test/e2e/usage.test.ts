import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DISPATCH_BIN, pollUntil, startDispatchHarness, type DispatchHarness } from '../helpers/dispatchHarness.js';

interface Totals {
  input_tokens: number;
  cached_input_tokens: number;
  output_tokens: number;
  reasoning_tokens: number;
  total_tokens: number;
  turns: number;
}

interface UsageResult {
  by: 'lane' | 'day';
  since: string | null;
  groups: Array<Totals & { lane?: string; handle?: string; day?: string }>;
  total: Totals;
}

const totals = (input: number, cached: number, output: number, reasoning: number, turns: number): Totals => ({
  input_tokens: input,
  cached_input_tokens: cached,
  output_tokens: output,
  reasoning_tokens: reasoning,
  total_tokens: input + output,
  turns,
});

// Every model request reports the usage its `@sim usage <in> <out> <cached> <reasoning>` line sets.
// alpha: a shell turn (two requests of 1000/200/300/50) then a reply (one of 10/5); beta: one reply of 100/20/0/7.
const ALPHA = totals(2010, 600, 405, 100, 2);
const BETA = totals(100, 0, 20, 7, 1);
const ALL = totals(2110, 600, 425, 107, 3);

// Token usage per turn, kept in its own table: summed by `dispatch usage` per lane and per day, shown by lane get/list.
describe('token usage', () => {
  let h: DispatchHarness;
  const ids: Record<string, string> = {};
  // A fact older than about a second is pruned at the daemon's next start.
  const configToml = (): string => '[events]\nmax_age_days = 0.00001\n';

  const usage = (args: string[] = []): Promise<UsageResult> => h.ok<UsageResult>(['usage', '--json', ...args]);
  const turn = async (lane: string, text: string): Promise<void> => {
    await h.ok(['send', lane, text]);
    await h.ok(['lane', 'wait', lane, '--until', 'done', '--timeout', '60']);
  };

  beforeAll(async () => {
    h = await startDispatchHarness({ configToml });
    for (const name of ['alpha', 'beta']) ids[name] = (await h.ok<{ id: string }>(['new', '--name', name, '--prefix', '', '--no-send'])).id;
    await turn('alpha', '@sim usage 1000 200 300 50\n@sim shell echo counted');
    await turn('alpha', '@sim usage 10 5\n@sim reply second');
    await turn('beta', '@sim usage 100 20 0 7\n@sim reply only');
    // The usage report precedes turn/completed, but wait on the sums themselves rather than assume it.
    await pollUntil(() => usage(), (u) => u.total.turns === 3 && u.total.total_tokens === ALL.total_tokens, 'three turns of usage');
  }, 180_000);
  afterAll(async () => h?.close());

  it('sums the turns per lane and in total, each lane by id and handle', async () => {
    const byLane = await usage();
    expect(byLane.by).toBe('lane');
    expect(byLane.since).toBeNull();
    const expected = [
      { lane: ids['alpha'], handle: '@alpha', ...ALPHA },
      { lane: ids['beta'], handle: '@beta', ...BETA },
    ].sort((a, b) => String(a.lane).localeCompare(String(b.lane)));
    expect(byLane.groups).toEqual(expected);
    expect(byLane.total).toEqual(ALL);
    const onlyAlpha = await usage(['--lane', 'alpha']);
    expect(onlyAlpha.groups).toEqual([{ lane: ids['alpha'], handle: '@alpha', ...ALPHA }]);
    expect(onlyAlpha.total).toEqual(ALPHA);
  });

  it('sums per UTC day, and counts only the turns since a date or span', async () => {
    const byDay = await usage(['--by', 'day', '--since', '1h']);
    expect(byDay.since).toMatch(/^\d{4}-\d{2}-\d{2}T/);
    for (const group of byDay.groups) expect(group.day).toMatch(/^\d{4}-\d{2}-\d{2}$/);
    // One day, unless the run crossed midnight UTC: the days add up to the total either way.
    const summed = byDay.groups.reduce((sum, g) => totals(sum.input_tokens + g.input_tokens, sum.cached_input_tokens + g.cached_input_tokens, sum.output_tokens + g.output_tokens, sum.reasoning_tokens + g.reasoning_tokens, sum.turns + g.turns), totals(0, 0, 0, 0, 0));
    expect(summed).toEqual(ALL);
    expect(byDay.total).toEqual(ALL);
    const future = await usage(['--since', '2999-01-01']);
    expect(future).toEqual({ by: 'lane', since: '2999-01-01T00:00:00.000Z', groups: [], total: totals(0, 0, 0, 0, 0), rate_limits: [] });
  });

  it("shows a lane's total in lane get and lane list", async () => {
    const alpha = await h.ok<{ usage: Totals }>(['lane', 'get', 'alpha']);
    expect(alpha.usage).toEqual(ALPHA);
    const { lanes } = await h.ok<{ lanes: Array<{ handle: string; total_tokens: number }> }>(['lane', 'list']);
    expect(Object.fromEntries(lanes.map((l) => [l.handle, l.total_tokens]))).toEqual({ '@alpha': ALPHA.total_tokens, '@beta': BETA.total_tokens });
  });

  it('gives MCP clients the same sums (dispatch_daemon_read, op usage)', async () => {
    const client = new Client({ name: 'dispatch-test', version: '0' });
    await client.connect(new StdioClientTransport({ command: process.execPath, args: [DISPATCH_BIN, 'mcp'], env: h.env as Record<string, string>, cwd: h.workspace, stderr: 'pipe' }));
    try {
      const result = await client.callTool({ name: 'dispatch_daemon_read', arguments: { op: 'usage', lane: ['beta'], by: 'day' } });
      expect((result.structuredContent as UsageResult).total).toEqual(BETA);
    } finally {
      await client.close();
    }
  });

  it('refuses a --since that is no date or span with a typed validation error', async () => {
    const bad = await h.run(['usage', '--since', 'last tuesday', '--json']);
    expect(bad.code).toBe(2);
    expect(JSON.parse(bad.stderr)).toMatchObject({ error: { code: 'validation', data: { fields: ['since'] } } });
  });

  it('keeps usage when the facts that reported it are pruned', { timeout: 120_000 }, async () => {
    const reported = await h.ok<{ events: Array<{ seq: number; type: string; at: string }> }>(['events', '--limit', '1000', '--json']);
    const reports = reported.events.filter((e) => e.type === 'tokenUsage');
    expect(reports.length).toBeGreaterThanOrEqual(3);
    // Once the newest report is older than max_age_days (0.86 s), the next start prunes every one of them.
    const newest = Math.max(...reports.map((e) => Date.parse(e.at)));
    await pollUntil(async () => Date.now() - newest, (age) => age > 1500, 'the usage reports aging past max_age_days');
    await h.ok(['down']);
    await h.ok(['up', '--simulate', '--json']);
    // codex reports each resumed thread's usage again (its last turn, the same totals): that must add nothing.
    const after = await pollUntil(
      () => h.ok<{ events: Array<{ seq: number; type: string; lane: string }> }>(['events', '--limit', '1000', '--json']),
      (page) => new Set(page.events.filter((e) => e.type === 'tokenUsage').map((e) => e.lane)).size === 2,
      'codex re-reporting both resumed threads\' usage',
    );
    const reportSeqs = new Set(reports.map((e) => e.seq));
    expect(after.events.filter((e) => reportSeqs.has(e.seq))).toEqual([]);
    expect((await usage()).total).toEqual(ALL);
    expect((await h.ok<{ usage: Totals }>(['lane', 'get', 'beta'])).usage).toEqual(BETA);
  });
});
