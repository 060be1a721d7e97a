import { spawn } from 'node:child_process';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { expect, onTestFinished } from 'vitest';
import { resolveCodexBinary } from '../../src/codex/binary.js';
import { readBundledModelCatalog } from '../../src/codex/modelCatalog.js';
import { codexTmpDir, simulatedProviderEnv, startSimulatedProvider, writeSimulatedCodexHome, type SimulatedProvider } from '../../src/simulator/index.js';

export interface WireMessage {
  id?: number;
  method?: string;
  params?: Record<string, unknown>;
  result?: Record<string, unknown>;
  error?: unknown;
}

export interface SimAppServer {
  provider: SimulatedProvider;
  workspace: string;
  /** Every line the app-server wrote, in order. */
  messages: WireMessage[];
  /** The next message `match` accepts (20 s, then fails with codex's stderr). */
  waitFor(match: (m: WireMessage) => boolean): Promise<WireMessage>;
  send(message: WireMessage): void;
  /** A request whose answer must be no error; its result. */
  call(method: string, params: Record<string, unknown>): Promise<Record<string, unknown>>;
  /** initialize + initialized, then an ephemeral thread in the workspace: its id. */
  startThread(): Promise<string>;
}

/**
 * The pinned codex app-server on stdio against a simulated provider in a temp home, with raw wire
 * access: the proof that what the simulator sends is what the real binary understands. Everything
 * it started is ended when the test finishes.
 */
export async function startSimAppServer(): Promise<SimAppServer> {
  const binary = resolveCodexBinary();
  const bundledModelsJson = await readBundledModelCatalog(binary);
  const dir = await mkdtemp(path.join(os.tmpdir(), 'dispatch-sim-codex-'));
  onTestFinished(() => rm(dir, { recursive: true, force: true }));
  const codexHome = path.join(dir, 'codex-home');
  const workspace = path.join(dir, 'workspace');
  await mkdir(workspace, { recursive: true });
  const provider = await startSimulatedProvider();
  onTestFinished(() => provider.close());
  await writeSimulatedCodexHome({ codexHome, providerUrl: provider.url, bundledModelsJson });
  const child = spawn(binary.path, ['app-server', '--listen', 'stdio://'], {
    env: { PATH: process.env['PATH'] ?? '/usr/bin:/bin', HOME: dir, CODEX_HOME: codexHome, TMPDIR: codexTmpDir(codexHome), ...simulatedProviderEnv() },
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  onTestFinished(() => void child.kill('SIGKILL'));
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
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
  let nextId = 1;
  const call = async (method: string, params: Record<string, unknown>): Promise<Record<string, unknown>> => {
    const id = nextId++;
    const answer = waitFor((m) => m.id === id && m.method === undefined);
    send({ id, method, params });
    const reply = await answer;
    expect(reply.error).toBeUndefined();
    return reply.result ?? {};
  };
  const startThread = async (): Promise<string> => {
    await call('initialize', { clientInfo: { name: 't', title: null, version: '0' }, capabilities: { experimentalApi: true } });
    send({ method: 'initialized' });
    const started = await call('thread/start', { cwd: workspace, ephemeral: true });
    return (started['thread'] as { id: string }).id;
  };
  return { provider, workspace, messages, waitFor, send, call, startThread };
}
