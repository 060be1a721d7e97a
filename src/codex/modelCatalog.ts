import { DispatchError } from '../shared/errors.js';
import { runCodex, type CodexBinary } from './binary.js';

/**
 * How long the catalog probe may take: codex prints it in well under a second, and a daemon start
 * waits for it, so a codex that hangs here is cut short instead of stalling `dispatch up`.
 */
export const MODEL_CATALOG_TIMEOUT_MS = 5_000;

/**
 * The model catalog bundled in the codex binary (`codex debug models --bundled`), as JSON text.
 * A probe that fails or outlives `timeoutMs` (its process killed) is an `app_server` error saying which.
 */
export async function readBundledModelCatalog(binary: CodexBinary, timeoutMs: number = MODEL_CATALOG_TIMEOUT_MS): Promise<string> {
  try {
    return await runCodex(binary, ['debug', 'models', '--bundled'], { timeoutMs });
  } catch (cause) {
    const killed = (cause as { killed?: boolean }).killed === true;
    const why = killed ? `did not finish within ${timeoutMs} ms and was killed` : `failed: ${(cause as Error).message.split('\n')[0] ?? ''}`;
    throw new DispatchError('app_server', `\`${binary.path} debug models --bundled\` ${why}`, { cause });
  }
}
