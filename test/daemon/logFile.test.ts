import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { closeSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { openDaemonLog, rateLimitedLog, RotatingLogFile } from '../../src/daemon/logFile.js';
import { openPrivateFile } from '../../src/shared/privateFiles.js';

const dirs: string[] = [];
function tempDir(): string {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'dsp-log-'));
  dirs.push(dir);
  return dir;
}
afterEach(() => {
  vi.useRealTimers();
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

describe('the daemon log file', () => {
  it('rotates by size, keeps at most `keep` old files, each private and under the cap', () => {
    const dir = tempDir();
    const file = path.join(dir, 'dispatchd.log');
    const log = new RotatingLogFile(file, { maxBytes: 1000, keep: 2 });
    const line = `${JSON.stringify({ msg: 'x'.repeat(80) })}\n`;
    for (let i = 0; i < 200; i++) log.write(line);
    log.close();
    expect(readdirSync(dir).sort()).toEqual(['dispatchd.log', 'dispatchd.log.1', 'dispatchd.log.2']);
    for (const name of readdirSync(dir)) {
      const stats = statSync(path.join(dir, name));
      expect(stats.size, name).toBeLessThanOrEqual(1000);
      expect(stats.mode & 0o777, name).toBe(0o600);
    }
    // Whole lines only: rotation happens between writes, never inside a line.
    for (const name of readdirSync(dir)) for (const l of readFileSync(path.join(dir, name), 'utf8').trim().split('\n')) expect(() => JSON.parse(l) as unknown).not.toThrow();
  });

  it('rotates an existing file that is already over the cap, and never writes through a planted symlink', () => {
    const dir = tempDir();
    const file = path.join(dir, 'dispatchd.log');
    writeFileSync(file, 'y'.repeat(5000), { mode: 0o600 });
    const target = path.join(dir, 'elsewhere');
    writeFileSync(target, '');
    symlinkSync(target, `${file}.1`);
    const log = new RotatingLogFile(file, { maxBytes: 1000, keep: 3 });
    log.write('{"msg":"after"}\n');
    log.close();
    expect(readFileSync(file, 'utf8')).toBe('{"msg":"after"}\n');
    expect(readFileSync(target, 'utf8')).toBe('');
    expect(readFileSync(`${file}.1`, 'utf8')).toBe('y'.repeat(5000));
  });

  it('rate-limits each message per window and reports how many it suppressed', () => {
    vi.useFakeTimers();
    const lines: Array<[string, Record<string, unknown> | undefined]> = [];
    const sink = { info: (m: string, d?: Record<string, unknown>) => lines.push([m, d]), warn: (m: string, d?: Record<string, unknown>) => lines.push([m, d]), error: (m: string, d?: Record<string, unknown>) => lines.push([m, d]) };
    const log = rateLimitedLog(sink, { perMessage: 3, windowMs: 1000 });
    for (let i = 0; i < 1000; i++) log.warn('control.bad_frame', { i });
    log.info('daemon.started');
    expect(lines.filter(([m]) => m === 'control.bad_frame')).toHaveLength(3);
    expect(lines.filter(([m]) => m === 'daemon.started')).toHaveLength(1);
    vi.advanceTimersByTime(1000);
    expect(lines.find(([m]) => m === 'log.suppressed')?.[1]).toMatchObject({ message: 'control.bad_frame', suppressed: 997 });
    log.warn('control.bad_frame', { i: 'next window' });
    expect(lines.filter(([m]) => m === 'control.bad_frame')).toHaveLength(4);
  });

  it('is what the daemon logs through: pino JSON lines in a 0600 file', () => {
    const dir = tempDir();
    const file = path.join(dir, 'dispatchd.log');
    const daemonLog = openDaemonLog(file);
    for (let i = 0; i < 500; i++) daemonLog.log.warn('control.bad_frame', { error: 'garbage' });
    daemonLog.flush();
    daemonLog.close();
    const written = readFileSync(file, 'utf8').trim().split('\n').map((l) => JSON.parse(l) as { msg: string });
    expect(written.filter((l) => l.msg === 'control.bad_frame').length).toBeLessThanOrEqual(50);
    expect(statSync(file).mode & 0o777).toBe(0o600);
  });

  it("keeps the daemon's stderr (an fd opened on dispatchd.log before a rotation) writing into the current dispatchd.log", async () => {
    const dir = tempDir();
    const file = path.join(dir, 'dispatchd.log');
    // What `dispatch up` does: the daemon's stdout and stderr are an fd on the log, opened before any rotation.
    const stdio = openPrivateFile(file, 'append');
    const child = spawn(process.execPath, ['-e', "process.stdin.once('data', () => { process.stderr.write('late stderr line\\n'); process.stdout.write('late stdout line\\n'); process.exit(0); })"], {
      stdio: ['pipe', stdio, stdio],
    });
    closeSync(stdio);
    const exited = once(child, 'exit');
    const log = new RotatingLogFile(file, { maxBytes: 1000, keep: 2 });
    for (let i = 0; i < 30; i++) log.write(`${JSON.stringify({ msg: 'x'.repeat(80) })}\n`);
    expect(readdirSync(dir)).toContain('dispatchd.log.1');
    child.stdin?.end('go\n');
    await exited;
    log.write('{"msg":"after the child wrote"}\n');
    log.close();
    const current = readFileSync(file, 'utf8');
    expect(current).toContain('late stderr line\n');
    expect(current).toContain('late stdout line\n');
    expect(current.endsWith('{"msg":"after the child wrote"}\n')).toBe(true);
    for (const old of ['dispatchd.log.1', 'dispatchd.log.2']) expect(readFileSync(path.join(dir, old), 'utf8'), old).not.toContain('late');
    // What others wrote counts toward the cap too.
    expect(statSync(file).size).toBeLessThanOrEqual(1000);
  });
});
