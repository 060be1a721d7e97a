import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { resolveCodexBinary } from '../../src/codex/binary.js';
import { CodexClient } from '../../src/codex/client.js';
import { readBundledModelCatalog } from '../../src/codex/modelCatalog.js';
import type { LaneEvent } from '../../src/core/laneEvents.js';
import {
  codexTmpDir,
  simulatedProviderEnv,
  startSimulatedProvider,
  writeSimulatedCodexHome,
  type SimulatedProvider,
} from '../../src/simulator/index.js';

let catalog: Promise<string> | undefined;

/** The bundled model catalog, read once per test file from the pinned binary. */
export function bundledCatalog(): Promise<string> {
  catalog ??= readBundledModelCatalog(resolveCodexBinary());
  return catalog;
}

export interface CodexHarness {
  dir: string;
  codexHome: string;
  workspace: string;
  provider: SimulatedProvider;
  env: Record<string, string>;
  spawn(): Promise<CodexClient>;
  close(): Promise<void>;
}

/** A temp codex home pointed at a fresh simulated provider; never touches ~/.codex. */
export async function startCodexHarness(): Promise<CodexHarness> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'dispatch-test-'));
  const codexHome = path.join(dir, 'codex-home');
  const workspace = path.join(dir, 'workspace');
  await mkdir(codexHome, { recursive: true });
  await mkdir(workspace, { recursive: true });
  const provider = await startSimulatedProvider();
  await writeSimulatedCodexHome({ codexHome, providerUrl: provider.url, bundledModelsJson: await bundledCatalog() });
  const env = { ...simulatedProviderEnv(), TMPDIR: codexTmpDir(codexHome), HOME: dir };
  const clients: CodexClient[] = [];
  return {
    dir,
    codexHome,
    workspace,
    provider,
    env,
    async spawn() {
      const client = await CodexClient.spawn({ codexHome, env, requestTimeoutMs: 20_000 });
      clients.push(client);
      return client;
    },
    async close() {
      await Promise.all(clients.map((c) => c.close().catch(() => undefined)));
      await provider.close();
      await rm(dir, { recursive: true, force: true });
    },
  };
}

export { nextEvent } from './laneEvents.js';

/** Records every lane event of a client, for order assertions. */
export function recordEvents(client: CodexClient): LaneEvent[] {
  const events: LaneEvent[] = [];
  client.onEvent((event) => events.push(event));
  return events;
}

export const isTurnCompleted = (laneId: string) => (e: LaneEvent): e is Extract<LaneEvent, { type: 'turnCompleted' }> => e.type === 'turnCompleted' && e.laneId === laneId;
