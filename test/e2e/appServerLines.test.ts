import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { resolveCodexBinary } from '../../src/codex/binary.js';
import { ERROR_TABLE } from '../../src/shared/errors.js';
import { pollUntil, startDispatchHarness, waitForLane, type CliResult, type DispatchHarness } from '../helpers/dispatchHarness.js';

// An app-server line past dispatch's 64 MiB cap is dropped unread; the daemon says so in its log
// (size, never content) and counts it, and a request whose answer was that line fails at once, typed.
const FAKE_CODEX = fileURLToPath(new URL('../fixtures/bad-input/codex/', import.meta.url));
const MiB = 1024 * 1024;

type LogLine = { msg?: string; level?: number; bytes?: number; max_line_bytes?: number; dropped_lines?: number; method?: string };

const logLines = (h: DispatchHarness): LogLine[] =>
  readFileSync(path.join(h.home, 'dispatchd.log'), 'utf8')
    .split('\n')
    .filter((line) => line.length > 0)
    .map((line) => JSON.parse(line) as LogLine);

const errorOf = (result: CliResult): { code: string; message: string; data?: Record<string, unknown> } =>
  (JSON.parse(result.stderr.trim()) as { error: { code: string; message: string; data?: Record<string, unknown> } }).error;

describe('app-server lines over the cap', () => {
  let h: DispatchHarness | undefined;
  afterEach(async () => {
    await h?.close();
    h = undefined;
  });

  const start = (mode: string): Promise<DispatchHarness> =>
    startDispatchHarness({ daemonEnv: { DISPATCH_CODEX_BIN: path.join(FAKE_CODEX, mode), FAKE_CODEX_REAL_BIN: resolveCodexBinary({}).path } });

  it('a 70 MiB line before initialize is logged with its size and counted, never its content', { timeout: 90_000 }, async () => {
    h = await start('huge-line');
    const harness = h;
    const dropped = await pollUntil(async () => logLines(harness).filter((l) => l.msg === 'app_server.line_dropped'), (lines) => lines.length > 0, 'the dropped line logged', 10_000);
    expect(dropped).toHaveLength(1);
    expect(dropped[0]).toMatchObject({ level: 40, bytes: 70 * MiB, max_line_bytes: 64 * MiB, dropped_lines: 1 });
    expect(readFileSync(path.join(h.home, 'dispatchd.log'), 'utf8')).not.toContain('xxxxxxxx');
    await h.ok(['lane', 'list']);
  });

  it('a request whose answer is a 70 MiB line fails at once with limit_exceeded, and the daemon keeps serving', { timeout: 90_000 }, async () => {
    h = await start('huge-answer');
    const began = Date.now();
    const discover = await h.run(['lane', 'discover', '--json']);
    const took = Date.now() - began;
    expect(discover.code, discover.stderr).toBe(ERROR_TABLE.limit_exceeded.exit);
    expect(errorOf(discover)).toMatchObject({ code: 'limit_exceeded', data: { limit: 'maxAppServerLineBytes', max: 64 * MiB, method: 'thread/list' } });
    // Far below the 60 s request timeout it would otherwise wait out.
    expect(took).toBeLessThan(30_000);
    const dropped = logLines(h).filter((l) => l.msg === 'app_server.line_dropped');
    expect(dropped).toEqual([expect.objectContaining({ dropped_lines: 1, method: 'thread/list' })]);
    expect(dropped[0]?.bytes).toBeGreaterThan(70 * MiB);
    await h.ok(['new', '--name', 'after', '--prefix', '', '--text', '@sim reply still here']);
    await waitForLane(h, 'after', (l) => l['last_agent_message'] === 'still here');
  });
});
