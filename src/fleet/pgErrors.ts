import { fleetUnavailable } from '../core/fleet.js';
import { DispatchError } from '../shared/errors.js';
import { redactUrl } from '../shared/redactUrl.js';

/**
 * SQLSTATEs that mean "the database cannot serve this station now" rather than "this query is
 * wrong": connection exceptions (08…), authentication and a missing database (28…, 3D000: refused),
 * too many connections, the server shutting down or starting, and a statement that hit its timeout.
 */
const UNAVAILABLE_CLASSES = ['08', '28'];
const UNAVAILABLE_STATES = new Set(['3D000', '53300', '57P01', '57P02', '57P03', '57014']);

const isSqlState = (code: unknown): code is string => typeof code === 'string' && /^[0-9A-Z]{5}$/.test(code);

/** Whether `error` says the database is away (or refused us), not that a query was wrong. */
export function isUnavailable(error: unknown): boolean {
  if (error instanceof DispatchError || !(error instanceof Error)) return false;
  const code = (error as { code?: unknown }).code;
  // The server answered with a code: only the codes above. Otherwise it is the socket (ECONNREFUSED,
  // ECONNRESET, ETIMEDOUT …) or pg's own "Connection terminated", "timeout exceeded", "Query read timeout".
  if (isSqlState(code)) return UNAVAILABLE_CLASSES.includes(code.slice(0, 2)) || UNAVAILABLE_STATES.has(code);
  return true;
}

/** The password of `url` as written and decoded, if it has one, so a message that quotes it can be scrubbed. */
function passwordsOf(url: string): string[] {
  try {
    const raw = new URL(url).password;
    return raw === '' ? [] : [raw, decodeURIComponent(raw)];
  } catch {
    return [];
  }
}

/**
 * Turns a database failure into `fleet_unavailable` naming the (redacted) database and what went
 * wrong; any other error passes unchanged. The original error is not kept as the cause: what a
 * driver puts in it is not ours to vouch for, and the message already says what happened.
 */
export function fleetError(url: string, error: unknown): unknown {
  if (!isUnavailable(error)) return error;
  const failure = error as Error & { code?: unknown };
  const code = typeof failure.code === 'string' ? `${failure.code}: ` : '';
  let detail = `${redactUrl(url)}: ${code}${failure.message || failure.name}`;
  for (const password of passwordsOf(url)) detail = detail.split(password).join('***');
  return fleetUnavailable(detail);
}

/** An `onError` that hears only redacted, typed errors (for the pool's and the listener's failures). */
export function redactedErrors(url: string, onError: ((error: Error) => void) | undefined): (error: Error) => void {
  return (error) => {
    const mapped = fleetError(url, error);
    try {
      onError?.(mapped instanceof Error ? mapped : new Error(String(mapped)));
    } catch {
      // A failing error handler must not take the pool, the listener or the daemon down.
    }
  };
}
