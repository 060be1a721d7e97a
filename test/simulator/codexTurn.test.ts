import { spawn } from 'node:child_process';
import { mkdir, mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { describe, expect, it, onTestFinished } from 'vitest';
import { resolveCodexBinary } from '../../src/codex/binary.js';
import { readBundledModelCatalog } from '../../src/codex/modelCatalog.js';
import { codexTmpDir, simulatedProviderEnv, startSimulatedProvider, writeSimulatedCodexHome } from '../../src/simulator/index.js';

interface WireMessage {
  id?: number;
  method?: string;
  params?: Record<string, unknown>;
  result?: Record<string, unknown>;
  error?: unknown;
}

// The proof that the SSE shapes are right: the pinned codex app-server runs a real turn against the simulator.
describe('pinned codex app-server on the simulated provider', () => {
  it('applies a patch and streams the scripted reply', async () => {
    const binary = resolveCodexBinary();
    const bundledModelsJson = await readBundledModelCatalog(binary);
    const dir = await mkdtemp(path.join(os.tmpdir(), 'dispatch-sim-codex-'));
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
    try {
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
          waiters.push({
            match,
            resolve: (m) => {
              clearTimeout(timer);
              resolve(m);
            },
          });
        });
      const send = (message: WireMessage): void => {
        child.stdin.write(`${JSON.stringify(message)}\n`);
      };
      const call = async (id: number, method: string, params: Record<string, unknown>): Promise<Record<string, unknown>> => {
        const answer = waitFor((m) => m.id === id && m.method === undefined);
        send({ id, method, params });
        const reply = await answer;
        expect(reply.error).toBeUndefined();
        return reply.result ?? {};
      };

      await call(1, 'initialize', { clientInfo: { name: 't', title: null, version: '0' }, capabilities: { experimentalApi: true } });
      send({ method: 'initialized' });
      const started = await call(2, 'thread/start', { cwd: workspace, ephemeral: true });
      const threadId = (started['thread'] as { id: string }).id;
      const completed = waitFor((m) => m.method === 'turn/completed');
      await call(3, 'turn/start', {
        threadId,
        input: [{ type: 'text', text: '@sim write hello.txt hi\n@sim reply wrote it', text_elements: [] }],
      });
      const turn = (await completed).params?.['turn'] as { status: string; items: Array<{ type: string; text?: string }> };

      expect(turn.status).toBe('completed');
      expect(await readFile(path.join(workspace, 'hello.txt'), 'utf8')).toBe('hi\n');
      expect(turn.items.filter((item) => item.type === 'agentMessage').map((item) => item.text)).toEqual(['wrote it']);
      expect(messages.filter((m) => m.method === 'warning')).toEqual([]);
      expect(messages.some((m) => m.method === 'item/completed' && (m.params?.['item'] as { type: string }).type === 'fileChange')).toBe(true);
      expect(provider.requests.map((r) => [r.stepKind, r.toolOutputs, r.threadId])).toEqual([
        ['patch', 0, threadId],
        ['message', 1, threadId],
      ]);
    } finally {
      child.kill('SIGKILL');
    }
  });
});
