import { appendFileSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import { readBundledModelCatalog } from '../codex/modelCatalog.js';
import { resolveCodexBinary } from '../codex/binary.js';
import { codexTmpDir, simulatedProviderEnv, startSimulatedProvider, writeSimulatedCodexHome } from '../simulator/index.js';

/** A simulated model provider on loopback plus the codex home that points at it. */
export interface Simulation {
  codexHome: string;
  env: Record<string, string>;
  providerUrl: string;
  close(): Promise<void>;
}

/**
 * Starts the provider and writes `<dir>/codex-home` for the daemon's app-server. Every model
 * request is appended to `<dir>/requests.jsonl`, a log that outlives daemon restarts (it is how a
 * rehearsal, or a crash test, proves no turn was sent twice).
 */
export async function startSimulation(dir: string): Promise<Simulation> {
  const codexHome = path.join(dir, 'codex-home');
  mkdirSync(codexHome, { recursive: true, mode: 0o700 });
  const log = path.join(dir, 'requests.jsonl');
  const provider = await startSimulatedProvider({ onRequest: (request) => appendFileSync(log, `${JSON.stringify(request)}\n`) });
  try {
    const bundledModelsJson = await readBundledModelCatalog(resolveCodexBinary());
    await writeSimulatedCodexHome({ codexHome, providerUrl: provider.url, bundledModelsJson });
    return {
      codexHome,
      env: { ...simulatedProviderEnv(), TMPDIR: codexTmpDir(codexHome) },
      providerUrl: provider.url,
      close: () => provider.close(),
    };
  } catch (error) {
    await provider.close();
    throw error;
  }
}
