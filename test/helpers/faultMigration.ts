import Database from 'better-sqlite3';
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { LATEST_SCHEMA_VERSION, MIGRATIONS } from '../../src/store/index.js';
import { DISPATCHD_BIN, runCli } from './dispatchHarness.js';
import { copyRegistry, isGone, waitFor } from './faultRun.js';

/** `PRAGMA integrity_check` of a read-only copy of the home's registry: 'ok', or what is wrong. */
export function checkIntegrity(home: string): string {
  if (!existsSync(path.join(home, 'registry.db'))) return 'no registry';
  const dir = mkdtempSync(path.join(os.tmpdir(), 'dsp-chk-'));
  try {
    const db = new Database(copyRegistry(home, dir), { readonly: true });
    try {
      const rows = db.pragma('integrity_check') as Array<{ integrity_check: string }>;
      return rows.map((r) => r.integrity_check).join('; ');
    } finally {
      db.close();
    }
  } catch (error) {
    return `cannot check: ${(error as Error).message}`;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Rows of filler that make the pre-migration backup (VACUUM INTO) and migration take long enough to be hit. */
const FILLER_ROWS = 4_000;
const FILLER_BYTES = 8_192;

/** A registry of the schema before the latest, with a filler table dispatch does not know. */
export function writeOldRegistry(home: string): void {
  const db = new Database(path.join(home, 'registry.db'));
  const previous = LATEST_SCHEMA_VERSION - 1;
  for (const migration of MIGRATIONS.filter((m) => m.version <= previous)) db.exec(migration.sql);
  db.exec('CREATE TABLE fault_filler (id INTEGER PRIMARY KEY, blob BLOB NOT NULL)');
  const insert = db.prepare('INSERT INTO fault_filler (blob) VALUES (randomblob(?))');
  db.transaction(() => {
    for (let i = 0; i < FILLER_ROWS; i++) insert.run(FILLER_BYTES);
  })();
  db.pragma(`user_version = ${previous}`);
  db.close();
}

function readVersionAndFiller(home: string): { version: number; filler: number } {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'dsp-chk-'));
  try {
    const db = new Database(copyRegistry(home, dir), { readonly: true });
    try {
      return { version: db.pragma('user_version', { simple: true }) as number, filler: (db.prepare('SELECT count(*) AS n FROM fault_filler').get() as { n: number }).n };
    } finally {
      db.close();
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/**
 * Starts dispatchd on an old-schema registry, kills it with SIGKILL a random while later (during
 * start-up: backup, migration or just after), then starts it as a user would (`dispatch up`).
 * Says what it found: the schema version reached, the filler kept, integrity_check; 'FAIL …' when wrong.
 */
export async function killMidMigration(random: () => number, log: (line: string) => void): Promise<string> {
  const home = await mkdtemp(path.join(os.tmpdir(), 'dsp-mig-'));
  const env: NodeJS.ProcessEnv = { PATH: process.env['PATH'], HOME: home, DISPATCH_HOME: home, CODEX_HOME: path.join(home, 'no-codex-home'), NO_COLOR: '1' };
  try {
    writeOldRegistry(home);
    const daemon = spawn(process.execPath, [DISPATCHD_BIN, 'run', '--simulate'], { env, stdio: 'ignore', detached: true });
    const pid = daemon.pid;
    if (pid === undefined) return 'FAIL: dispatchd did not start';
    const delayMs = 100 + Math.floor(random() * 900);
    await new Promise((r) => setTimeout(r, delayMs));
    const backedUp = readdirSync(home).some((f) => f.endsWith('.bak'));
    process.kill(pid, 'SIGKILL');
    await waitFor(() => isGone(pid), 10_000);
    const killedAt = `killed after ${delayMs} ms (${backedUp ? 'backup written' : 'before the backup'})`;
    const up = await runCli(['up', '--simulate', '--json'], { env, cwd: home, timeoutMs: 60_000 });
    if (up.code !== 0) return `FAIL: ${killedAt}; up exited ${up.code}: ${up.stderr.trim().slice(0, 300)}`;
    await runCli(['down'], { env, cwd: home });
    const integrity = checkIntegrity(home);
    const { version, filler } = readVersionAndFiller(home);
    const good = integrity === 'ok' && version === LATEST_SCHEMA_VERSION && filler === FILLER_ROWS;
    const line = `${good ? '' : 'FAIL: '}${killedAt}; then up: schema ${version}, ${filler}/${FILLER_ROWS} rows kept, ${integrity}`;
    log(`mid-migration: ${line}`);
    return good ? 'ok' : line;
  } finally {
    await rm(home, { recursive: true, force: true });
  }
}
