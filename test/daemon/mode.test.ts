import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { readHomeMode } from '../../src/control/homeMode.js';
import { resolveStartMode, writeHomeMode } from '../../src/daemon/mode.js';
import { resolvePaths } from '../../src/control/paths.js';
import { DispatchError } from '../../src/shared/errors.js';

const dir = mkdtempSync(path.join(os.tmpdir(), 'dsp-mode-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const pathsFor = (name: string, codexHome = path.join(dir, 'codex')) => resolvePaths({ DISPATCH_HOME: path.join(dir, name), CODEX_HOME: codexHome });

describe('resolveStartMode', () => {
  it('a new home starts real on CODEX_HOME; a start without a flag reuses the recorded mode', () => {
    const paths = pathsFor('fresh');
    expect(resolveStartMode(paths, undefined, 0)).toEqual({ mode: 'real', codex_home: paths.codexHome });
    mkdirSync(paths.home, { recursive: true });
    writeHomeMode(paths, { mode: 'simulated', codex_home: path.join(paths.home, 'sim', 'codex-home') });
    expect(readHomeMode(paths)?.mode).toBe('simulated');
    // An auto-start from a shell with another CODEX_HOME still gets the recorded mode.
    expect(resolveStartMode(pathsFor('fresh', '/elsewhere'), undefined, 3)).toEqual({ mode: 'simulated', codex_home: path.join(paths.home, 'sim', 'codex-home') });
  });

  it('a home from before modes were recorded, with lanes beside the simulator codex home, comes back simulated', () => {
    const paths = pathsFor('legacy');
    const simulatedHome = path.join(paths.home, 'sim', 'codex-home');
    mkdirSync(simulatedHome, { recursive: true });
    expect(resolveStartMode(paths, undefined, 2)).toEqual({ mode: 'simulated', codex_home: simulatedHome });
    expect(() => resolveStartMode(paths, 'real', 2)).toThrow(/has 2 lane\(s\)/);
    // No lanes: nothing to resume, so a new start is real as for any new home.
    expect(resolveStartMode(paths, undefined, 0).mode).toBe('real');
  });

  it('switching mode or codex home is allowed on an empty home and refused once it has lanes', () => {
    const paths = pathsFor('used');
    mkdirSync(paths.home, { recursive: true });
    writeHomeMode(paths, { mode: 'real', codex_home: paths.codexHome });
    expect(resolveStartMode(paths, 'simulated', 0).mode).toBe('simulated');
    expect(resolveStartMode(paths, 'real', 2)).toEqual({ mode: 'real', codex_home: paths.codexHome });
    for (const [request, other] of [['simulated', paths], ['real', pathsFor('used', '/another/codex')]] as const) {
      const error = (() => {
        try {
          return resolveStartMode(other, request, 2);
        } catch (e) {
          return e;
        }
      })();
      expect(error).toBeInstanceOf(DispatchError);
      expect(error).toMatchObject({ code: 'conflict' });
      expect((error as Error).message).toContain('has 2 lane(s)');
    }
  });
});
