import type { DispatchError } from '../../shared/errors.js';

/** What to do instead, in the CLI's flags, from the structured data core raised ('' when nothing applies). */
export function errorHint(error: DispatchError): string {
  const modes = error.data?.['modes'];
  if (error.code !== 'lane_busy' || !Array.isArray(modes) || modes.length === 0) return '';
  return `; use ${orList(modes.map((mode) => `--${String(mode)}`))}, or stop it`;
}

function orList(words: string[]): string {
  return words.length < 2 ? words.join('') : `${words.slice(0, -1).join(', ')} or ${words.at(-1) ?? ''}`;
}
