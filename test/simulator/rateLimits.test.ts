import { spawn } from 'node:child_process';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { describe, expect, it, onTestFinished } from 'vitest';
import { resolveCodexBinary } from '../../src/codex/binary.js';
import { readBundledModelCatalog } from '../../src/codex/modelCatalog.js';
import { codexTmpDir, parseRateLimitDirective, rateLimitHeaders, scriptForText, simulatedProviderEnv, startSimulatedProvider, writeSimulatedCodexHome } from '../../src/simulator/index.js';

interface WireMessage {
  id?: number;
  method?: string;
  params?: Record<string, unknown>;
  result?: Record<string, unknown>;
  error?: unknown;
}

describe('simulated rate-limit windows', () => {
  it('parses the directive with reset times relative to now, and a passed reset starts the window over', () => {
    const now = new Date('2026-01-01T12:00:00Z');
    const limits = parseRateLimitDirective('primary=95 resets=60s secondary=40 secondary-resets=2h secondary-window=10080', now);
    const at = now.getTime() / 1000;
    expect(limits).toEqual({ primary: { usedPercent: 95, windowMinutes: 300, resetsAt: at + 60 }, secondary: { usedPercent: 40, windowMinutes: 10_080, resetsAt: at + 7200 } });
    expect(rateLimitHeaders(limits, now)).toEqual({
      'x-codex-primary-used-percent': '95',
      'x-codex-primary-window-minutes': '300',
      'x-codex-primary-reset-at': String(at + 60),
      'x-codex-secondary-used-percent': '40',
      'x-codex-secondary-window-minutes': '10080',
      'x-codex-secondary-reset-at': String(at + 7200),
    });
    expect(rateLimitHeaders(limits, new Date(now.getTime() + 61_000))['x-codex-primary-used-percent']).toBe('0');
    expect(parseRateLimitDirective('off', now)).toBeNull();
    expect(() => parseRateLimitDirective('primary=120', now)).toThrow(/percentage/);
    expect(() => parseRateLimitDirective('primary=90 resets=soon', now)).toThrow(/duration/);
    expect(() => parseRateLimitDirective('bogus=1', now)).toThrow(/does not know/);
  });

  it('is no step of the turn; a malformed one is answered with why, like any bad directive', () => {
    expect(scriptForText('@sim ratelimit primary=95 resets=60s\n@sim reply ok').steps).toEqual([{ kind: 'message', text: 'ok' }]);
    const bad = scriptForText('@sim ratelimit primary=lots').steps[0];
    expect(bad).toMatchObject({ kind: 'message' });
    expect((bad as { text: string }).text).toContain('primary must be a percentage 0-100');
  });

  // The proof that the header names are the real provider's: the pinned app-server turns them into account/rateLimits/updated.
  it('the pinned codex app-server reports the windows a @sim ratelimit answer carries', async () => {
    const binary = resolveCodexBinary();
    const bundledModelsJson = await readBundledModelCatalog(binary);
    const dir = await mkdtemp(path.join(os.tmpdir(), 'dispatch-sim-rl-'));
    onTestFinished(() => rm(dir, { recursive: true, force: true }));
    const codexHome = path.join(dir, 'codex-home');
    const workspace = path.join(dir, 'workspace');
    await mkdir(workspace, { recursive: true });
    await using provider = await startSimulatedProvider();
    await writeSimulatedCodexHome({ codexHome, providerUrl: provider.url, bundledModelsJson });
    const child = spawn(binary.path, ['app-server', '--listen', 'stdio://'], {
      env: { PATH: process.env['PATH'] ?? '/usr/bin:/bin', HOME: dir, CODEX_HOME: codexHome, TMPDIR: codexTmpDir(codexHome), ...simulatedProviderEnv() },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    onTestFinished(() => void child.kill('SIGKILL'));
    const messages: WireMessage[] = [];
    const waiters: Array<{ match: (m: WireMessage) => boolean; resolve: (m: WireMessage) => void }> = [];
    createInterface({ input: child.stdout }).on('line', (line) => {
      const message = JSON.parse(line) as WireMessage;
      messages.push(message);
      for (const waiter of [...waiters]) {
        if (!waiter.match(message)) continue;
        waiters.splice(waiters.indexOf(waiter), 1);
        waiter.resolve(message);
      }
    });
    const waitFor = (match: (m: WireMessage) => boolean): Promise<WireMessage> =>
      new Promise((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`codex did not answer in time; stderr:\n${stderr}`)), 20_000);
        waiters.push({ match, resolve: (m) => (clearTimeout(timer), resolve(m)) });
      });
    const call = async (id: number, method: string, params: Record<string, unknown>): Promise<Record<string, unknown>> => {
      const answer = waitFor((m) => m.id === id && m.method === undefined);
      child.stdin.write(`${JSON.stringify({ id, method, params })}\n`);
      const reply = await answer;
      expect(reply.error).toBeUndefined();
      return reply.result ?? {};
    };
    await call(1, 'initialize', { clientInfo: { name: 't', title: null, version: '0' }, capabilities: { experimentalApi: true } });
    child.stdin.write(`${JSON.stringify({ method: 'initialized' })}\n`);
    const started = await call(2, 'thread/start', { cwd: workspace, ephemeral: true });
    const threadId = (started['thread'] as { id: string }).id;
    const updated = waitFor((m) => m.method === 'account/rateLimits/updated');
    const completed = waitFor((m) => m.method === 'turn/completed');
    const before = Math.floor(Date.now() / 1000);
    await call(3, 'turn/start', { threadId, input: [{ type: 'text', text: '@sim ratelimit primary=95 resets=600s secondary=40\n@sim reply near the limit', text_elements: [] }] });
    const update = (await updated).params?.['rateLimits'] as { primary: { usedPercent: number; windowDurationMins: number; resetsAt: number }; secondary: { usedPercent: number; windowDurationMins: number } };
    await completed;
    expect(update.primary.usedPercent).toBe(95);
    expect(update.primary.windowDurationMins).toBe(300);
    expect(update.primary.resetsAt).toBeGreaterThanOrEqual(before + 600);
    expect(update.primary.resetsAt).toBeLessThanOrEqual(before + 602);
    expect(update.secondary.usedPercent).toBe(40);
    expect(update.secondary.windowDurationMins).toBe(10_080);
  });
});
