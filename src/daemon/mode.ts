import { existsSync, renameSync } from 'node:fs';
import { codexHomeFor, describeMode, modeFile, readHomeMode, upCommand, type DaemonMode, type HomeMode } from '../control/homeMode.js';
import type { DispatchPaths } from '../control/paths.js';
import { DispatchError } from '../shared/errors.js';
import { writePrivateFile } from '../shared/privateFiles.js';

/** The one writer of a home's mode file; control/homeMode.ts reads it. */
export function writeHomeMode(paths: DispatchPaths, mode: HomeMode): void {
  const file = modeFile(paths);
  writePrivateFile(`${file}.tmp`, `${JSON.stringify(mode)}\n`);
  renameSync(`${file}.tmp`, file);
}

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
