import type { DispatchError } from '../../shared/errors.js';
import { flagName } from './derive.js';

/** What to do instead, in the CLI's flags, from the structured data core raised ('' when nothing applies). */
export function errorHint(error: DispatchError): string {
  const modes = error.data?.['modes'];
  if (error.code === 'lane_busy' && Array.isArray(modes) && modes.length > 0) return `; use ${orList(modes.map((mode) => `--${String(mode)}`))}, or stop it`;
  // Input fields core names, as the flags the CLI derives from them.
  const fields = error.data?.['fields'];
  if (Array.isArray(fields) && fields.length > 0) return ` (${fields.map((field) => `--${flagName(String(field))}`).join(', ')})`;
  return '';
}

function orList(words: string[]): string {
  return words.length < 2 ? words.join('') : `${words.slice(0, -1).join(', ')} or ${words.at(-1) ?? ''}`;
}
