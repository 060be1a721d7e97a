import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { DEFAULT_FACT_RETENTION } from '../../src/core/journal.js';
import { homeConfigPath, loadHomeConfig } from '../../src/daemon/homeConfig.js';
import { DispatchError } from '../../src/shared/errors.js';
import { runCli } from '../helpers/dispatchHarness.js';

const homes: string[] = [];
afterEach(async () => {
  for (const home of homes.splice(0)) await rm(home, { recursive: true, force: true });
});

/** A fresh home (short path: the daemon puts its socket there), with this config.toml when given. */
async function homeWith(config?: string): Promise<string> {
  const home = await mkdtemp(path.join(os.tmpdir(), 'dsp-'));
  homes.push(home);
  if (config !== undefined) await writeFile(homeConfigPath(home), config);
  return home;
}

function validationError(home: string): DispatchError {
  try {
    loadHomeConfig(home);
  } catch (error) {
    expect(error).toBeInstanceOf(DispatchError);
    expect((error as DispatchError).code).toBe('validation');
    expect((error as DispatchError).exitCode).toBe(2);
    return error as DispatchError;
  }
  throw new Error('loadHomeConfig accepted the file');
}

describe('loadHomeConfig', () => {
  it('without a config.toml gives the defaults', async () => {
    const home = await homeWith();
    expect(loadHomeConfig(home)).toEqual({ path: path.join(home, 'config.toml'), retention: DEFAULT_FACT_RETENTION, capacity: { maxBusyLanes: null, holdAbovePercent: null } });
    expect(DEFAULT_FACT_RETENTION).toEqual({ keep: 100_000, maxAgeDays: 30 });
  });

  it('an empty file, or one without [events], gives the defaults too', async () => {
    expect(loadHomeConfig(await homeWith('')).retention).toEqual(DEFAULT_FACT_RETENTION);
    expect(loadHomeConfig(await homeWith('# nothing set\n')).retention).toEqual(DEFAULT_FACT_RETENTION);
    expect(loadHomeConfig(await homeWith('[events]\n')).retention).toEqual(DEFAULT_FACT_RETENTION);
  });

  it('reads [events] keep and max_age_days; a key left out keeps its default', async () => {
    expect(loadHomeConfig(await homeWith('[events]\nkeep = 5000\nmax_age_days = 7\n')).retention).toEqual({ keep: 5000, maxAgeDays: 7 });
    expect(loadHomeConfig(await homeWith('[events]\nmax_age_days = 0.5\n')).retention).toEqual({ keep: DEFAULT_FACT_RETENTION.keep, maxAgeDays: 0.5 });
    expect(loadHomeConfig(await homeWith('events = { keep = 1000 }\n')).retention).toEqual({ keep: 1000, maxAgeDays: DEFAULT_FACT_RETENTION.maxAgeDays });
  });

  it('refuses an unknown top-level key, naming it and the file', async () => {
    const home = await homeWith('retention = 5\n');
    const error = validationError(home);
    expect(error.message).toContain(homeConfigPath(home));
    expect(error.message).toMatch(/: retention: .*"retention"/);
  });

  it('refuses an unknown key in [events], naming it with its table and the file', async () => {
    const home = await homeWith('[events]\nkeep = 5000\nkep = 6000\n');
    const error = validationError(home);
    expect(error.message).toContain(homeConfigPath(home));
    expect(error.message).toMatch(/: events\.kep: .*"kep"/);
  });

  it.each([
    ['a string for a number', '[events]\nkeep = "lots"\n', 'events.keep'],
    ['a fraction for a count', '[events]\nkeep = 1500.5\n', 'events.keep'],
    ['a count below the floor', '[events]\nkeep = 10\n', 'events.keep'],
    ['a zero age', '[events]\nmax_age_days = 0\n', 'events.max_age_days'],
    ['a boolean for an age', '[events]\nmax_age_days = true\n', 'events.max_age_days'],
    ['a value where the table goes', 'events = 3\n', 'events'],
  ])('refuses %s, naming the key', async (_name, config, key) => {
    const home = await homeWith(config);
    const error = validationError(home);
    expect(error.message.startsWith(`${homeConfigPath(home)}: ${key}: `)).toBe(true);
  });

  it('has no attention hook unless [hooks] attention is set; reads it with its limits', async () => {
    expect(loadHomeConfig(await homeWith('')).attentionHook).toBeUndefined();
    expect(loadHomeConfig(await homeWith('[hooks]\ntimeout_seconds = 3\n')).attentionHook).toBeUndefined();
    expect(loadHomeConfig(await homeWith('[hooks]\nattention = "notify-send dispatch"\n')).attentionHook).toEqual({ command: 'notify-send dispatch', timeoutSeconds: 10, maxRunning: 4 });
    expect(loadHomeConfig(await homeWith('[hooks]\nattention = "x"\ntimeout_seconds = 2.5\nmax_running = 1\n')).attentionHook).toEqual({ command: 'x', timeoutSeconds: 2.5, maxRunning: 1 });
  });

  it.each([
    ['an unknown key in [hooks]', '[hooks]\nattention = "x"\non_done = "y"\n', 'hooks.on_done'],
    ['an empty hook command', '[hooks]\nattention = "  "\n', 'hooks.attention'],
    ['a number for the command', '[hooks]\nattention = 3\n', 'hooks.attention'],
    ['a zero timeout', '[hooks]\nattention = "x"\ntimeout_seconds = 0\n', 'hooks.timeout_seconds'],
    ['no hook allowed to run', '[hooks]\nattention = "x"\nmax_running = 0\n', 'hooks.max_running'],
  ])('refuses %s, naming the key', async (_name, config, key) => {
    const home = await homeWith(config);
    expect(validationError(home).message.startsWith(`${homeConfigPath(home)}: ${key}: `)).toBe(true);
  });

  it('refuses invalid TOML with the parser\'s first line and the file', async () => {
    const home = await homeWith('[events\nkeep = 5000\n');
    const error = validationError(home);
    expect(error.message).toMatch(new RegExp(`^${homeConfigPath(home).replace(/[.*+?^${}()|[\]\\]/g, '\\$&')} is not valid TOML: \\S`));
    expect(error.message).not.toContain('\n');
  });

  it('refuses a config.toml it cannot read as a file', async () => {
    const home = await homeWith();
    await mkdir(homeConfigPath(home));
    expect(validationError(home).message).toContain(`cannot read ${homeConfigPath(home)}`);
  });
});

describe('loadHomeConfig [capacity]', () => {
  it('reads max_busy_lanes and hold_above_percent; each is off when unset', async () => {
    expect(loadHomeConfig(await homeWith('[capacity]\nmax_busy_lanes = 2\nhold_above_percent = 90\n')).capacity).toEqual({ maxBusyLanes: 2, holdAbovePercent: 90 });
    expect(loadHomeConfig(await homeWith('[capacity]\nmax_busy_lanes = 3\n')).capacity).toEqual({ maxBusyLanes: 3, holdAbovePercent: null });
    expect(loadHomeConfig(await homeWith('[capacity]\n')).capacity).toEqual({ maxBusyLanes: null, holdAbovePercent: null });
  });

  it.each([
    ['an unknown key', '[capacity]\nmax_busy = 2\n', 'capacity.max_busy'],
    ['zero busy lanes', '[capacity]\nmax_busy_lanes = 0\n', 'capacity.max_busy_lanes'],
    ['a fraction of a lane', '[capacity]\nmax_busy_lanes = 1.5\n', 'capacity.max_busy_lanes'],
    ['a percent over 100', '[capacity]\nhold_above_percent = 120\n', 'capacity.hold_above_percent'],
    ['a string percent', '[capacity]\nhold_above_percent = "90%"\n', 'capacity.hold_above_percent'],
  ])('refuses %s, naming the key', async (_name, config, key) => {
    const home = await homeWith(config);
    expect(validationError(home).message.startsWith(`${homeConfigPath(home)}: ${key}: `)).toBe(true);
  });
});

describe('a daemon with a bad config.toml', () => {
  it('refuses to start on a bad [capacity] key: `dispatch up` exits 2 naming it', async () => {
    const home = await homeWith('[capacity]\nmax_busy_lane = 2\n');
    const env: NodeJS.ProcessEnv = { PATH: process.env['PATH'], HOME: home, DISPATCH_HOME: home, CODEX_HOME: path.join(home, 'no-codex-home'), NO_COLOR: '1' };
    const up = await runCli(['up', '--simulate', '--json'], { env, cwd: home });
    expect(up.code, up.stderr).toBe(2);
    const error = (JSON.parse(up.stderr.trim().split('\n').pop() ?? '{}') as { error?: { code: string; message: string } }).error;
    expect(error).toEqual({ code: 'validation', message: `${homeConfigPath(home)}: capacity.max_busy_lane: Unrecognized key: "max_busy_lane"` });
  }, 60_000);

  it('refuses to start on a bad [hooks] key: `dispatch up` exits 2 naming it', async () => {
    const home = await homeWith('[hooks]\nattention = "true"\nattenton_timeout = 5\n');
    const env: NodeJS.ProcessEnv = { PATH: process.env['PATH'], HOME: home, DISPATCH_HOME: home, CODEX_HOME: path.join(home, 'no-codex-home'), NO_COLOR: '1' };
    const up = await runCli(['up', '--simulate', '--json'], { env, cwd: home });
    expect(up.code, up.stderr).toBe(2);
    const error = (JSON.parse(up.stderr.trim().split('\n').pop() ?? '{}') as { error?: { code: string; message: string } }).error;
    expect(error).toEqual({ code: 'validation', message: `${homeConfigPath(home)}: hooks.attenton_timeout: Unrecognized key: "attenton_timeout"` });
    expect(existsSync(path.join(home, 'dispatchd.sock'))).toBe(false);
  }, 60_000);

  it('refuses to start: `dispatch up` exits 2 with the file and key named, and no daemon is left', async () => {
    const home = await homeWith('[events]\nkeep = 5000\nmax_age = 7\n');
    const env: NodeJS.ProcessEnv = { PATH: process.env['PATH'], HOME: home, DISPATCH_HOME: home, CODEX_HOME: path.join(home, 'no-codex-home'), NO_COLOR: '1' };
    const up = await runCli(['up', '--simulate', '--json'], { env, cwd: home });
    expect(up.code, up.stderr).toBe(2);
    const error = (JSON.parse(up.stderr.trim().split('\n').pop() ?? '{}') as { error?: { code: string; message: string } }).error;
    expect(error).toEqual({ code: 'validation', message: `${homeConfigPath(home)}: events.max_age: Unrecognized key: "max_age"` });
    // Nothing runs: no socket, and a status call says so instead of starting a daemon.
    expect(existsSync(path.join(home, 'dispatchd.sock'))).toBe(false);
    // The config is read before the registry is opened: a bad file leaves the home as it was.
    expect(existsSync(path.join(home, 'registry.db'))).toBe(false);
    const status = await runCli(['daemon', 'status', '--json'], { env, cwd: home });
    expect(status.code).not.toBe(0);
  }, 60_000);
});
