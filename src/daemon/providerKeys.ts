import { readFileSync } from 'node:fs';
import path from 'node:path';
import { parse } from 'smol-toml';
import { isRecord } from '../shared/records.js';

/** A model provider of the codex config that reads its API key from an environment variable. */
export interface ProviderKey {
  provider: string;
  /** The variable's name; its value is never read out, only whether it is set. */
  envKey: string;
  set: boolean;
}

/**
 * The `env_key` of every `[model_providers.*]` in
 * `$CODEX_HOME/config.toml`, and whether `env` sets it. A provider without the variable fails
 * every turn with "Missing environment variable"; this says so before a turn does.
 */
export function readProviderKeys(codexHome: string, env: NodeJS.ProcessEnv = process.env): ProviderKey[] {
  const file = path.join(codexHome, 'config.toml');
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw error;
  }
  const config = parse(text);
  const providers = isRecord(config['model_providers']) ? config['model_providers'] : {};
  return Object.entries(providers).flatMap(([provider, settings]) => {
    const envKey = isRecord(settings) ? settings['env_key'] : undefined;
    return typeof envKey === 'string' && envKey !== '' ? [{ provider, envKey, set: Boolean(env[envKey]) }] : [];
  });
}

/** One line for doctor: every provider's key variable set, or which are missing (names only). */
export function describeProviderKeys(keys: ProviderKey[]): { ok: boolean; detail: string } {
  if (keys.length === 0) return { ok: true, detail: 'no provider in the codex config reads an env_key' };
  const missing = keys.filter((k) => !k.set);
  if (missing.length === 0) return { ok: true, detail: keys.map((k) => `${k.provider}: ${k.envKey} set`).join(', ') };
  return {
    ok: false,
    detail: `${missing.map((k) => `provider ${k.provider} needs ${k.envKey}, which is not set`).join('; ')} (set it where you run \`dispatch up\`, then \`dispatch down && dispatch up\`)`,
  };
}
