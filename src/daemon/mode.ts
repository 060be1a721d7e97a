import { existsSync, readFileSync, renameSync } from 'node:fs';
import path from 'node:path';
import { DispatchError } from '../shared/errors.js';
import { writePrivateFile } from '../shared/privateFiles.js';
import type { DispatchPaths } from './paths.js';

/** Whether a home's daemon runs codex against the simulated provider or for real. */
export type DaemonMode = 'simulated' | 'real';

/**
 * The mode a dispatch home was started in and the codex home its threads live in. Recorded by the
 * daemon on first start (the one writer) and reused by every later start that names no mode, so an
 * auto-started daemon comes back the way the user left it.
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

export function writeHomeMode(paths: DispatchPaths, mode: HomeMode): void {
  const file = modeFile(paths);
  writePrivateFile(`${file}.tmp`, `${JSON.stringify(mode)}\n`);
  renameSync(`${file}.tmp`, file);
}

/** The command that starts this home in `mode`. */
export const upCommand = (mode: DaemonMode): string => (mode === 'simulated' ? 'dispatch up --simulate' : 'dispatch up --real');

export const describeMode = (mode: HomeMode): string => `${mode.mode} mode (codex home ${mode.codex_home})`;

/**
 * A home made before modes were recorded: lanes next to the simulator's codex home were made by a
 * simulated daemon (only one writes it), so an auto-start must not bring them back in real mode.
 */
function inferredMode(paths: DispatchPaths, laneCount: number): HomeMode | undefined {
  const simulatedHome = codexHomeFor(paths, 'simulated');
  return laneCount > 0 && existsSync(simulatedHome) ? { mode: 'simulated', codex_home: simulatedHome } : undefined;
}

/**
 * The mode a start runs in: the one asked for, else the home's recorded one, else real. Switching
 * a home that already has lanes is refused: their threads live in the recorded codex home and would
 * fail to resume in the other one ("no rollout found").
 */
export function resolveStartMode(paths: DispatchPaths, requested: DaemonMode | undefined, laneCount: number): HomeMode {
  const recorded = readHomeMode(paths) ?? inferredMode(paths, laneCount);
  if (!requested) return recorded ?? { mode: 'real', codex_home: codexHomeFor(paths, 'real') };
  const wanted: HomeMode = { mode: requested, codex_home: codexHomeFor(paths, requested) };
  if (recorded && laneCount > 0 && (recorded.mode !== wanted.mode || recorded.codex_home !== wanted.codex_home)) {
    throw new DispatchError(
      'conflict',
      `this dispatch home runs in ${describeMode(recorded)} and has ${laneCount} lane(s) whose threads live there; ` +
        `they cannot resume in ${describeMode(wanted)}. Start it as recorded (\`${upCommand(recorded.mode)}\`${recorded.mode === 'real' ? ` with CODEX_HOME=${recorded.codex_home}` : ''}), ` +
        `or use another DISPATCH_HOME for ${wanted.mode} work`,
      { data: { recorded_mode: recorded.mode, recorded_codex_home: recorded.codex_home, requested_mode: wanted.mode, lanes: laneCount } },
    );
  }
  return wanted;
}
