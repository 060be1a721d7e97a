import Database from 'better-sqlite3';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { LATEST_SCHEMA_VERSION, MIGRATIONS } from '../../src/store/index.js';
import { runCli, type CliResult } from '../helpers/dispatchHarness.js';

describe('dispatchd on a registry of an older schema', () => {
  let home = '';
  const env = (): NodeJS.ProcessEnv => ({ PATH: process.env['PATH'], HOME: home, DISPATCH_HOME: home, CODEX_HOME: path.join(home, 'no-codex-home'), NO_COLOR: '1' });
  const cli = (args: string[]): Promise<CliResult> => runCli(args, { env: env(), cwd: home });
  afterAll(async () => {
    if (!home) return;
    await cli(['down']);
    await rm(home, { recursive: true, force: true });
  });

  it('backs the registry up before migrating and logs where the backup is', async () => {
    home = await mkdtemp(path.join(os.tmpdir(), 'dsp-mig-'));
    const previous = LATEST_SCHEMA_VERSION - 1;
    const raw = new Database(path.join(home, 'registry.db'));
    for (const migration of MIGRATIONS.filter((m) => m.version <= previous)) raw.exec(migration.sql);
    raw.pragma(`user_version = ${previous}`);
    raw.close();

    const up = await cli(['up', '--simulate', '--json']);
    expect(up.code, up.stderr).toBe(0);
    const log = await readFile(path.join(home, 'dispatchd.log'), 'utf8');
    const entry = log.split('\n').filter(Boolean).map((line) => JSON.parse(line) as Record<string, unknown>).find((e) => e['msg'] === 'store.migrated');
    expect(entry).toMatchObject({ fromVersion: previous, toVersion: LATEST_SCHEMA_VERSION });
    const backup = String(entry?.['path']);
    expect(path.dirname(backup)).toBe(home);
    expect(existsSync(backup)).toBe(true);
  }, 60_000);
});
