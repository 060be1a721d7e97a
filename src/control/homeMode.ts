import { readFileSync } from 'node:fs';
import path from 'node:path';
import { DispatchError } from '../shared/errors.js';
import type { DispatchPaths } from './paths.js';

/** Whether a home's daemon runs codex against the simulated provider or for real. */
export type DaemonMode = 'simulated' | 'real';

/**
 * The mode a dispatch home was started in and the codex home its threads live in. Recorded by the
 * daemon on first start (the one writer, daemon/mode.ts) and reused by every later start that
 * names no mode, so an auto-started daemon comes back the way the user left it.
 */
export interface HomeMode {
  mode: DaemonMode;
  codex_home: string;
}

export const modeFile = (paths: DispatchPaths): string => path.join(paths.home, 'mode.json');

/** The codex home a mode uses: the simulator's own under the dispatch home, or CODEX_HOME. */
export function codexHomeFor(paths: DispatchPaths, mode: DaemonMode): string {
  return mode === 'simulated' ? path.join(paths.home, 'sim', 'codex-home') : paths.codexHome;
}

export function readHomeMode(paths: DispatchPaths): HomeMode | undefined {
  let text: string;
  try {
    text = readFileSync(modeFile(paths), 'utf8');
  } catch {
    return undefined;
  }
  const parsed = JSON.parse(text) as Partial<HomeMode>;
  if ((parsed.mode !== 'simulated' && parsed.mode !== 'real') || typeof parsed.codex_home !== 'string') {
    throw new DispatchError('validation', `${modeFile(paths)} is not a valid mode file (delete it to let the next start record one)`);
  }
  return { mode: parsed.mode, codex_home: parsed.codex_home };
}

/** The command that starts this home in `mode`. */
export const upCommand = (mode: DaemonMode): string => (mode === 'simulated' ? 'dispatch up --simulate' : 'dispatch up --real');

export const describeMode = (mode: HomeMode): string => `${mode.mode} mode (codex home ${mode.codex_home})`;
