import { DispatchError } from '../shared/errors.js';
import { DaemonClient, startOrAwaitDaemon } from './client.js';
import { describeMode, upCommand, type DaemonMode, type HomeMode } from '../control/homeMode.js';
import type { DispatchPaths } from '../control/paths.js';

export interface UpResult {
  status: 'started' | 'already_running';
  pid: number;
  version: string;
  socket: string;
  home: string;
  mode: DaemonMode | null;
  codex_home: string | null;
  /** Whether codex can reach its provider: null when the daemon could not say (older daemon, unread account). */
  login: { ok: boolean; detail: string } | null;
  /** The daemon's codex app-server; `restarted` when `up` found it failed or restarting and started it. Null when the daemon could not say. */
  app_server: { state: string; restarted: boolean; problem: string | null } | null;
  warnings: string[];
}

interface AppServerView {
  state: string;
  problem: string | null;
  account: { logged_in: boolean; type: string | null } | null;
}

interface StatusView {
  app_server: AppServerView;
}

/** What `account/read` says, and for real mode how to log in when it says no account. */
function loginOf(status: StatusView | undefined, mode: HomeMode | undefined): UpResult['login'] {
  const account = status?.app_server.account;
  if (!account || !mode) return null;
  if (account.logged_in) return { ok: true, detail: account.type ? `logged in (${account.type})` : 'the provider needs no OpenAI login' };
  return {
    ok: false,
    detail:
      `codex is not logged in (account/read: no account) in ${mode.codex_home}: turns cannot reach the provider. ` +
      `Run \`CODEX_HOME=${mode.codex_home} codex login\` (or \`codex login --with-api-key\`), then \`dispatch down && dispatch up\`; ` +
      `or rehearse offline on a fresh DISPATCH_HOME with \`dispatch up --simulate\``,
  };
}

/**
 * `dispatch up`: starts the home's daemon in the requested mode (or its recorded one). Asking for
 * the other mode than a running daemon's is refused with what runs and how to switch.
 */
export async function bringUp(paths: DispatchPaths, requested: DaemonMode | undefined, env: NodeJS.ProcessEnv = process.env): Promise<UpResult> {
  let client: DaemonClient | undefined;
  let status: UpResult['status'] = 'already_running';
  try {
    client = await DaemonClient.connect(paths.socket, { timeoutMs: 2000 });
  } catch (error) {
    if (!(error instanceof DispatchError) || error.code !== 'daemon_unreachable') throw error;
  }
  if (!client) {
    // A daemon that holds the lock but is still starting is waited for (startOrAwaitDaemon), then checked like a running one.
    const start = await startOrAwaitDaemon(paths, { ...(requested ? { mode: requested } : {}), env });
    client = start.client;
    if (start.started) status = 'started';
  }
  const running = client.hello.mode;
  if (status === 'already_running' && requested && running && running.mode !== requested) {
    await client.close();
    throw new DispatchError(
      'conflict',
      `dispatchd (pid ${client.hello.pid}) already runs this home in ${describeMode(running)}; to switch run: dispatch down && ${upCommand(requested)} ` +
        `(allowed only while the home has no lanes, whose threads live in ${running.codex_home}; otherwise use another DISPATCH_HOME)`,
      { data: { running_mode: running.mode, codex_home: running.codex_home, requested_mode: requested, pid: client.hello.pid } },
    );
  }
  try {
    let view = client.matchesLocalBuild ? await client.call<StatusView>('daemon.status', {}).catch(() => undefined) : undefined;
    let restarted = false;
    if (view && (view.app_server.state === 'failed' || view.app_server.state === 'restarting')) {
      // A daemon without codex is not "up": ask it to start codex now (an error says why it cannot).
      const answer = await client.call<{ restarted: boolean; app_server: AppServerView }>('codex.restart', {});
      view = { app_server: answer.app_server };
      restarted = answer.restarted;
    }
    const mode = client.hello.mode;
    const login = mode?.mode === 'real' ? loginOf(view, mode) : mode ? { ok: true, detail: 'not needed: the simulated provider runs offline' } : null;
    const warnings = [
      ...(login && !login.ok ? [login.detail] : []),
      ...(client.matchesLocalBuild ? [] : [`dispatchd ${client.hello.version} differs from this dispatch; restart it with: dispatch down && dispatch up`]),
    ];
    return {
      status,
      pid: client.hello.pid,
      version: client.hello.version,
      socket: paths.socket,
      home: paths.home,
      mode: mode?.mode ?? null,
      codex_home: mode?.codex_home ?? null,
      login,
      app_server: view ? { state: view.app_server.state, restarted, problem: view.app_server.problem } : null,
      warnings,
    };
  } finally {
    await client.close();
  }
}
