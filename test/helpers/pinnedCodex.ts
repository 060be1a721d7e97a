import { readFileSync } from 'node:fs';

/** The exact @openai/codex version package.json pins: tests compare against it, never a literal. */
export const PINNED_CODEX_VERSION = (
  JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { dependencies: Record<string, string> }
).dependencies['@openai/codex'] as string;
