import type { CapacitySettings } from './admissionPolicy.js';
import type { ApprovalBroker } from './approvals.js';
import type { FeedEntry } from './facts.js';
import type { FleetAccess } from './fleet.js';
import type { Journal } from './journal.js';
import type { AppServer, Clock, Store, Worktrees } from './ports.js';

export interface Disposable {
  dispose(): void;
}

/** A raw app-server message for one lane, as `watch` returns it. */
export interface RawLaneMessage {
  method: string;
  params?: unknown;
  id?: string | number;
}

export interface DaemonInfo {
  pid: number;
  version: string;
  startedAt: Date;
  home: string;
  socket: string;
  /** How this daemon runs codex, and the codex home its threads live in (recorded per dispatch home). */
  mode: 'simulated' | 'real';
  codexHome: string;
}

export interface Logger {
  info(message: string, data?: Record<string, unknown>): void;
  warn(message: string, data?: Record<string, unknown>): void;
  error(message: string, data?: Record<string, unknown>): void;
}

/** Live lane traffic: committed facts in sequence order, deltas, and raw app-server messages. */
export interface LaneFeed {
  onEntry(listener: (entry: FeedEntry) => void): Disposable;
  onRaw(laneId: string, listener: (message: RawLaneMessage) => void): Disposable;
}

/** Everything an op handler may use. Built per call by the daemon; handlers hold no state. */
export interface OpContext {
  store: Store;
  /** The only way lane state changes: facts appended and folded (journal.ts). */
  journal: Journal;
  appServer: AppServer;
  /** Git worktrees for lanes (`--worktree`); git/ implements it. */
  worktrees: Worktrees;
  clock: Clock;
  feed: LaneFeed;
  daemon: DaemonInfo;
  log: Logger;
  /** Absolute cwd of the caller (CLI or MCP process); relative paths in inputs resolve against it. */
  callerCwd: string;
  signal: AbortSignal;
  /** Asks the queue to start the lane's next message if the lane is idle. */
  drainQueue(laneId: string): Promise<void>;
  approvals: ApprovalBroker;
  /** `[capacity]` of config.toml: what admission holds back (core/admission.ts). */
  capacity: CapacitySettings;
  /** The fleet this station belongs to ([fleet] in config.toml); absent for a station on its own. */
  fleet?: FleetAccess;
  /**
   * Fault injection for crash tests: resolves at once unless DISPATCH_FAILPOINT names this point,
   * in which case it never resolves (the daemon "dies" there when the test kills it).
   */
  failpoint(name: string): Promise<void>;
}

/** The failpoint hook for a process: only the point named in DISPATCH_FAILPOINT ever blocks. */
export function failpointFromEnv(value: string | undefined): (name: string) => Promise<void> {
  return async (name) => {
    if (value === name) await new Promise<never>(() => undefined);
  };
}

export const silentLogger: Logger = { info: () => undefined, warn: () => undefined, error: () => undefined };
