import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { resolveCodexBinary } from '../../src/codex/binary.js';
import { codexTmpDir, simulatedProviderEnv } from '../../src/simulator/index.js';
import { DISPATCH_BIN, startDispatchHarness, waitForLane, type DispatchHarness } from '../helpers/dispatchHarness.js';

type Exec = { code: number; stdout: string; stderr: string };

function exec(file: string, args: string[], options: { env: NodeJS.ProcessEnv; cwd: string; timeoutMs?: number }): Promise<Exec> {
  return new Promise((resolve) => {
    const child = execFile(file, args, { env: options.env, cwd: options.cwd, timeout: options.timeoutMs ?? 60_000, maxBuffer: 8 * 1024 * 1024 }, (error, stdout, stderr) => {
      resolve({ code: error ? (typeof error.code === 'number' ? error.code : 1) : 0, stdout, stderr });
    });
    // `codex exec` reads a piped stdin into the prompt: close it so nothing waits on it.
    child.stdin?.end();
  });
}

const shellQuote = (word: string): string => `'${word.replace(/'/g, `'\\''`)}'`;

// Rough edges a user trips on: what tables name, which receipts a limit keeps, schema and
// completion for every command, threads made by plain codex, and the daemon log.
describe('rough edges', () => {
  let h: DispatchHarness;
  /** The CLI on a pseudo-terminal (util-linux `script`), so it prints tables as a person sees them. */
  const onTerminal = async (args: string[]): Promise<string> => {
    const command = [process.execPath, DISPATCH_BIN, ...args].map(shellQuote).join(' ');
    const result = await exec('script', ['-qec', command, '/dev/null'], { env: { ...h.env, COLUMNS: '200' }, cwd: h.workspace });
    expect(result.code, result.stdout).toBe(0);
    return result.stdout.replace(/\r/g, '');
  };

  beforeAll(async () => {
    h = await startDispatchHarness();
    await h.ok(['new', '--name', 'worker', '--prefix', '', '--text', '@sim reply first']);
    await waitForLane(h, 'worker');
  }, 60_000);
  afterAll(async () => h?.close());

  it('tables show lane handles, not lane ids (JSON keeps the id)', async () => {
    const lane = await h.ok<{ id: string }>(['lane', 'get', 'worker']);
    await h.ok(['send', 'worker', '@sim reply second']);
    await waitForLane(h, 'worker');
    await h.ok(['trigger', 'add', '--name', 'nudge', '--lane', 'worker', '--when', 'turn_failed', '--text', 'look']);
    await h.ok(['subscribe', 'worker', '--when', 'failed']);
    const tables = await Promise.all([['queue', 'list', '--all'], ['trigger', 'list'], ['delivery', 'get', '1']].map(onTerminal));
    for (const table of tables) {
      expect(table).toContain('@worker');
      expect(table).not.toContain(lane.id);
    }
    const json = await h.ok<{ deliveries: Array<{ lane: string }> }>(['queue', 'list', '--all']);
    expect(json.deliveries[0]?.lane).toBe(lane.id);
  });

  it('queue list --all --limit N shows the newest N receipts, oldest first', async () => {
    await h.ok(['send', 'worker', '@sim reply another receipt']);
    await waitForLane(h, 'worker');
    const all = (await h.ok<{ deliveries: Array<{ receipt: number }> }>(['queue', 'list', '--all'])).deliveries.map((d) => d.receipt);
    expect(all.length).toBeGreaterThanOrEqual(2);
    const limited = (await h.ok<{ deliveries: Array<{ receipt: number }> }>(['queue', 'list', '--all', '--limit', '1'])).deliveries.map((d) => d.receipt);
    expect(limited).toEqual([Math.max(...all)]);
  });

  it('dispatch schema answers for process commands too', async () => {
    for (const words of [['up'], ['down'], ['doctor'], ['lane', 'follow'], ['completion'], ['mcp']]) {
      const shown = await h.run(['schema', ...words]);
      expect(shown.code, `${words.join(' ')}: ${shown.stderr}`).toBe(0);
      expect(shown.json).toMatchObject({ command: words.join(' '), op: null, input: { type: 'object' } });
    }
    const follow = (await h.ok<{ input: { properties: Record<string, unknown>; required: string[] } }>(['schema', 'lane', 'follow'])).input;
    expect(Object.keys(follow.properties)).toEqual(expect.arrayContaining(['lane', 'until-idle', 'timeout', 'json']));
    expect(follow.required).toEqual(['lane']);
    expect((await h.ok<{ op: string }>(['schema', 'send'])).op).toBe('send');
    expect((await h.run(['schema', 'no-such-command'])).code).toBe(2);
  });

  it('prints a bash completion script that completes commands and subcommands', async () => {
    const script = await h.run(['completion', 'bash']);
    expect(script.code, script.stderr).toBe(0);
    const complete = async (words: string[]): Promise<string[]> => {
      const probe = `${script.stdout}\nCOMP_WORDS=(${words.map(shellQuote).join(' ')}); COMP_CWORD=${words.length - 1}; _dispatch; printf '%s\\n' "\${COMPREPLY[@]}"`;
      const ran = await exec('bash', ['--norc', '-c', probe], { env: { PATH: process.env['PATH'] }, cwd: h.workspace });
      expect(ran.code, ran.stderr).toBe(0);
      return ran.stdout.split('\n').filter(Boolean);
    };
    expect(await complete(['dispatch', 'la'])).toEqual(['lane']);
    expect(await complete(['dispatch', 'lane', ''])).toEqual(expect.arrayContaining(['list', 'get', 'tail', 'discover', 'follow']));
    expect(await complete(['dispatch', 'queue', 'l'])).toEqual(['list']);
    expect(await complete(['dispatch', 'send', 'worker', '--te'])).toEqual(expect.arrayContaining(['--text-file']));
    expect(await complete(['dispatch', 'com'])).toEqual(['completion']);
    const syntax = await exec('bash', ['-n', '-c', script.stdout], { env: { PATH: process.env['PATH'] }, cwd: h.workspace });
    expect(syntax.code, syntax.stderr).toBe(0);
    for (const shell of ['zsh', 'fish']) {
      const other = await h.run(['completion', shell]);
      expect(other.code, other.stderr).toBe(0);
      expect(other.stdout).toContain('lane');
    }
    expect((await h.run(['completion', 'tcsh'])).code).toBe(2);
  });

  it('lane discover lists a thread made by plain `codex exec` in the same codex home', async () => {
    const codexHome = path.join(h.home, 'sim', 'codex-home');
    const env = { PATH: process.env['PATH'], HOME: h.home, CODEX_HOME: codexHome, TMPDIR: codexTmpDir(codexHome), ...simulatedProviderEnv() };
    const made = await exec(resolveCodexBinary().path, ['exec', '--skip-git-repo-check', '@sim reply made by codex exec'], { env, cwd: h.workspace });
    expect(made.code, made.stderr).toBe(0);
    const found = await h.ok<{ sessions: Array<{ preview: string; source: string; managed: boolean }> }>(['lane', 'discover']);
    expect(found.sessions.find((s) => s.preview.includes('made by codex exec'))).toMatchObject({ source: 'exec', managed: false });
    expect(found.sessions.some((s) => s.managed)).toBe(true);
  });

  it('writes one pid, the daemon\'s, on every log line', async () => {
    const status = await h.ok<{ daemon: { pid: number } }>(['daemon', 'status']);
    const lines = readFileSync(path.join(h.home, 'dispatchd.log'), 'utf8').trim().split('\n');
    expect(lines.length).toBeGreaterThan(1);
    for (const line of lines) expect(line.match(/"pid":\d+/g), line).toEqual([`"pid":${status.daemon.pid}`]);
  });

  it('the demo prints its audit log in the order things happened', async () => {
    const demo = await h.run(['demo'], { timeoutMs: 90_000 });
    expect(demo.code, demo.stderr).toBe(0);
    const audit = demo.stdout.slice(demo.stdout.indexOf('audit log')).split('\n');
    const at = (pattern: RegExp): number => audit.findIndex((line) => pattern.test(line));
    expect(at(/new\s+ok\s+writer/)).toBeGreaterThan(0);
    expect(at(/new\s+ok\s+writer/)).toBeLessThan(at(/new\s+ok\s+reviewer/));
    expect(at(/queue\s+ok\s+receipt 3/)).toBeLessThan(at(/stop\s+ok/));
    expect(at(/stop\s+ok/)).toBeLessThan(at(/send\s+queued\s+receipt 3/));
    expect(at(/send\s+queued\s+receipt 3/)).toBeLessThan(at(/send\s+queued\s+receipt 4/));
  });
});
