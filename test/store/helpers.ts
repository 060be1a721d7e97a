import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { TurnSettings } from '../../src/core/model.js';
import type { Clock, NewLaneRecord } from '../../src/core/ports.js';

/** A clock the test moves by hand, so timestamps can be asserted verbatim. */
export interface ManualClock extends Clock {
  set(iso: string): void;
  advance(ms: number): void;
  iso(): string;
}

/** A ManualClock starting at `start`. */
export function manualClock(start = '2030-01-02T03:04:05.678Z'): ManualClock {
  let ms = Date.parse(start);
  return {
    now: () => new Date(ms),
    set: (iso) => {
      ms = Date.parse(iso);
    },
    advance: (delta) => {
      ms += delta;
    },
    iso: () => new Date(ms).toISOString(),
  };
}

/** Temp directories under os.tmpdir(), removed by `cleanup`. */
export function tempDirs(): { make(): string; cleanup(): void } {
  const made: string[] = [];
  return {
    make: () => {
      const dir = mkdtempSync(path.join(os.tmpdir(), 'dispatch-store-'));
      made.push(dir);
      return dir;
    },
    cleanup: () => {
      for (const dir of made.splice(0)) rmSync(dir, { recursive: true, force: true });
    },
  };
}

export const MINIMAL_SETTINGS: TurnSettings = { sandbox: 'workspace-write', approvalPolicy: 'never' };

/** A NewLaneRecord with defaults; `id` also names the handle unless given. */
export function laneRecord(id: string, overrides: Partial<NewLaneRecord> = {}): NewLaneRecord {
  return { id, handle: `@${id}`, source: 'own', cwd: `/work/${id}`, status: 'idle', settings: MINIMAL_SETTINGS, ephemeral: false, ...overrides };
}
