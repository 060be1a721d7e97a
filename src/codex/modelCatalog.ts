import { runCodex, type CodexBinary } from './binary.js';

/** The model catalog bundled in the codex binary (`codex debug models --bundled`), as JSON text. */
export async function readBundledModelCatalog(binary: CodexBinary): Promise<string> {
  return runCodex(binary, ['debug', 'models', '--bundled']);
}
