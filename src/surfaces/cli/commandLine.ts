/** An op call as the CLI command that makes it: its command words, positionals, then flags. */
import type { OpManifest } from '../../contracts/manifest.js';
import { flagName } from './derive.js';

/** A word as a POSIX shell reads it back unchanged: bare when safe, else single-quoted. */
export function shellWord(text: string): string {
  return /^[\w@%+=:,./-]+$/.test(text) ? text : `'${text.replace(/'/g, `'\\''`)}'`;
}

const words = (value: unknown): string[] => (Array.isArray(value) ? value : [value]).map((v) => shellWord(typeof v === 'string' ? v : JSON.stringify(v)));

/** `{ op: 'request.respond', input: { id: 3, decision: 'accept' } }` → `dispatch request respond 3 accept`; undefined for an op without a CLI route. */
export function commandLine(manifest: OpManifest, op: string, input: Record<string, unknown>): string | undefined {
  const route = manifest.ops.find((entry) => entry.name === op)?.cli;
  if (!route) return undefined;
  const positionals = (route.positionals ?? []).map((p) => p.replace(/(\?|\.\.\.)$/, ''));
  const line = ['dispatch', ...route.command];
  for (const name of positionals) if (input[name] !== undefined) line.push(...words(input[name]));
  for (const [name, value] of Object.entries(input)) {
    if (positionals.includes(name) || value === undefined) continue;
    const flag = `--${flagName(name)}`;
    if (typeof value === 'boolean') line.push(value ? flag : `--no-${flagName(name)}`);
    else for (const word of words(value)) line.push(flag, word);
  }
  return line.join(' ');
}
