import os from 'node:os';
import path from 'node:path';

/** Where a dispatch home keeps its files; every path can be overridden for tests and services. */
export interface DispatchPaths {
  home: string;
  socket: string;
  db: string;
  pidfile: string;
  lock: string;
  log: string;
  /** The codex home the daemon's app-server uses (CODEX_HOME, default ~/.codex). */
  codexHome: string;
}

// os.homedir() answers $HOME when it is set; reading it first spares the CLI loading `os`.
const homeDirectory = (): string => process.env['HOME'] || os.homedir();

function expand(p: string): string {
  return p.startsWith('~') ? path.join(homeDirectory(), p.slice(1)) : p;
}

export function resolvePaths(env: NodeJS.ProcessEnv = process.env): DispatchPaths {
  // An empty variable counts as unset (`DISPATCH_SOCKET= dispatch up` must not mean "the cwd").
  const read = (name: string): string | undefined => env[name] || undefined;
  const home = path.resolve(expand(read('DISPATCH_HOME') ?? '~/.dispatch'));
  return {
    home,
    socket: path.resolve(expand(read('DISPATCH_SOCKET') ?? path.join(home, 'dispatchd.sock'))),
    db: path.resolve(expand(read('DISPATCH_DB') ?? path.join(home, 'registry.db'))),
    pidfile: path.resolve(expand(read('DISPATCH_PIDFILE') ?? path.join(home, 'dispatchd.pid'))),
    lock: path.join(home, 'dispatchd.lock'),
    log: path.join(home, 'dispatchd.log'),
    codexHome: path.resolve(expand(read('CODEX_HOME') ?? '~/.codex')),
  };
}
