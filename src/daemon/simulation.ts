import { mkdirSync } from 'node:fs';
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

/** Starts the provider and writes `<dir>/codex-home` for the daemon's app-server. */
export async function startSimulation(dir: string): Promise<Simulation> {
  const codexHome = path.join(dir, 'codex-home');
  mkdirSync(codexHome, { recursive: true, mode: 0o700 });
  const provider = await startSimulatedProvider();
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
