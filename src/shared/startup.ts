/**
 * How long a codex app-server may take to answer `initialize`. The daemon gives up on it after
 * this long, and `dispatch up` waits for it plus {@link DAEMON_STARTUP_MARGIN_MS}, so `up` never
 * gives up before the daemon has said why it could not start. DISPATCH_INITIALIZE_TIMEOUT_MS
 * overrides it (slow machines, tests); the daemon inherits the caller's environment.
 */
export const APP_SERVER_INITIALIZE_TIMEOUT_MS = 30_000;

/** What a daemon start takes besides `initialize`: `--version` (10 s at most), `account/read` (10 s at most), simulator, registry, socket. */
export const DAEMON_STARTUP_MARGIN_MS = 25_000;

export function initializeTimeoutMs(env: NodeJS.ProcessEnv = process.env): number {
  const override = Number.parseInt(env['DISPATCH_INITIALIZE_TIMEOUT_MS'] ?? '', 10);
  return Number.isInteger(override) && override > 0 ? override : APP_SERVER_INITIALIZE_TIMEOUT_MS;
}
