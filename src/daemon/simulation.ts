import { closeSync, mkdirSync, writeSync } from 'node:fs';
import path from 'node:path';
import { readBundledModelCatalog } from '../codex/modelCatalog.js';
import { resolveCodexBinary } from '../codex/binary.js';
import { openPrivateFile } from '../shared/privateFiles.js';
import type { Logger } from '../core/context.js';
import {
  codexTmpDir,
  simulatedProviderEnv,
  startSimulatedProvider,
  writeSimulatedCodexHome,
  writtenModelCatalog,
  type SimulatedCodexHomeOptions,
  type SimulatedProvider,
} from '../simulator/index.js';

/** A simulated model provider on loopback plus the codex home that points at it. */
export interface Simulation {
  codexHome: string;
  /** Set on top of the user's environment; undefined removes a variable. */
  env: Record<string, string | undefined>;
  providerUrl: string;
  close(): Promise<void>;
}

/**
 * The real provider keys: a simulated app-server needs none, and with them an agent's `@sim shell env`
 * would write the user's key into the rollout and the request log.
 */
const REAL_PROVIDER_KEYS = ['OPENAI_API_KEY', 'CODEX_API_KEY'] as const;

/**
 * Starts the provider and writes `<dir>/codex-home` for the daemon's app-server. Every model
 * request is appended to `<dir>/requests.jsonl`, a log that outlives daemon restarts (it is how a
 * rehearsal, or a crash test, proves no turn was sent twice).
 */
export async function startSimulation(dir: string, daemonLog?: Logger): Promise<Simulation> {
  const codexHome = path.join(dir, 'codex-home');
  mkdirSync(codexHome, { recursive: true, mode: 0o700 });
  // Every message sent: private, like the registry.
  const log = openPrivateFile(path.join(dir, 'requests.jsonl'), 'append');
  let provider: SimulatedProvider;
  try {
    provider = await startSimulatedProvider({ onRequest: (request) => writeSync(log, `${JSON.stringify(request)}\n`) });
  } catch (error) {
    closeSync(log);
    throw error;
  }
  const close = async (): Promise<void> => {
    await provider.close();
    closeSync(log);
  };
  try {
    await writeSimulatedCodexHome({ codexHome, providerUrl: provider.url, ...(await modelCatalogOf(codexHome, daemonLog)) });
    return {
      codexHome,
      env: { ...Object.fromEntries(REAL_PROVIDER_KEYS.map((key) => [key, undefined])), ...simulatedProviderEnv(), TMPDIR: codexTmpDir(codexHome) },
      providerUrl: provider.url,
      close,
    };
  } catch (error) {
    await close();
    throw error;
  }
}

/**
 * The catalog the simulated model is built from: codex's bundled one (a probe bounded to a few
 * seconds). When the probe fails the daemon starts anyway, with the catalog the last start wrote, or
 * without one (codex then warns on every turn and offers no apply_patch), and says so in the log.
 */
async function modelCatalogOf(codexHome: string, log: Logger | undefined): Promise<Pick<SimulatedCodexHomeOptions, 'bundledModelsJson' | 'modelCatalog'>> {
  try {
    return { bundledModelsJson: await readBundledModelCatalog(resolveCodexBinary()) };
  } catch (error) {
    const previous = writtenModelCatalog(codexHome);
    log?.warn('simulation.model_catalog_unavailable', { error: (error as Error).message, fallback: previous ? 'previous_start' : 'none' });
    return { modelCatalog: previous ?? null };
  }
}
