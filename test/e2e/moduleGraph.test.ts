import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { build, type Metafile } from 'esbuild';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DISPATCH_BIN, DISPATCHD_BIN, startDispatchHarness, type DispatchHarness } from '../helpers/dispatchHarness.js';

// The CLI process is a thin client: SQLite, codex, core and the daemon's composition root run in
// dispatchd (or a dispatchd child), never in `dispatch`. Every command is run through the built
// CLI with a hook that records each module the process resolves, dynamic import() included. The
// CLI runs as a bundle (dist/cli/, scripts/bundleCli.ts), so what went into it is checked too, from
// esbuild's metafile.

const RECORDER = fileURLToPath(new URL('../helpers/recordModules.mjs', import.meta.url));
const FORBIDDEN = [/\/node_modules\/better-sqlite3\//, /\/dist\/(store|codex|core|daemon|simulator)\//];
const logs = mkdtempSync(path.join(os.tmpdir(), 'dsp-mg-'));
let runs = 0;

interface RecordedRun {
  code: number;
  stdout: string;
  stderr: string;
  modules: string[];
}

function recorded(entry: string, args: string[], env: NodeJS.ProcessEnv, cwd: string): Promise<RecordedRun> {
  const log = path.join(logs, `run-${runs++}.log`);
  return new Promise((resolve) => {
    execFile(process.execPath, ['--import', RECORDER, entry, ...args], { env: { ...env, MODULE_GRAPH_LOG: log }, cwd, timeout: 60_000 }, (error, stdout, stderr) => {
      let modules: string[] = [];
      try {
        modules = [...new Set(readFileSync(log, 'utf8').split('\n').filter(Boolean))];
      } catch {
        // No log: the process never started; `modules` stays empty and the caller's checks fail.
      }
      resolve({ code: error ? (typeof error.code === 'number' ? error.code : 1) : 0, stdout, stderr, modules });
    });
  });
}

const forbiddenIn = (modules: string[]): string[] => modules.filter((url) => FORBIDDEN.some((pattern) => pattern.test(url)));

/** Whether module `dist/<file>` ran: unbundled, or as the CLI bundle's lazy part named after it (dist/cli/lazy-<name>.cjs). */
const ran = (modules: string[], file: string, name: string): boolean =>
  modules.some((url) => url.endsWith(`/dist/${file}`) || url.endsWith(`/dist/cli/lazy-${name}.cjs`));
/** The zod contracts (contracts/index.js), which only `schema` needs: op commands read the build's manifest. */
const loadsContracts = (modules: string[]): boolean => ran(modules, 'contracts/index.js', 'index');

const ROOT = path.resolve(path.dirname(DISPATCH_BIN), '..');

/** Every source file esbuild put into a bundle, as paths from the repository root with a leading slash. */
const bundleInputs = (metafile: Metafile): string[] => [...new Set(Object.values(metafile.outputs).flatMap((output) => Object.keys(output.inputs)))].map((input) => `/${input}`);

/** The subcommand names in a commander help text ("Commands:" section), `help` left out. */
function subcommands(help: string): string[] {
  const section = help.split('\nCommands:\n')[1];
  if (!section) return [];
  return section
    .split('\n')
    .map((line) => /^ {2}([a-z][\w-]*)/.exec(line)?.[1])
    .filter((name): name is string => name !== undefined && name !== 'help');
}

describe('the CLI module graph', () => {
  let h: DispatchHarness;
  beforeAll(async () => {
    h = await startDispatchHarness();
  }, 60_000);
  afterAll(async () => {
    await h.close();
    rmSync(logs, { recursive: true, force: true });
  });

  it('the recorder sees what a process loads: dispatchd loads SQLite and core', async () => {
    const run = await recorded(DISPATCHD_BIN, ['--help'], h.env, h.workspace);
    expect(run.code, run.stderr).toBe(0);
    expect(forbiddenIn(run.modules).some((url) => url.includes('/better-sqlite3/'))).toBe(true);
    expect(forbiddenIn(run.modules).some((url) => url.includes('/dist/core/'))).toBe(true);
  });

  it('the CLI bundle holds none of them; the same check finds them in a bundle of dispatchd', async () => {
    const cli = JSON.parse(readFileSync(path.join(ROOT, 'dist', 'cli', 'meta.json'), 'utf8')) as Metafile;
    const inputs = bundleInputs(cli);
    expect(inputs).toEqual(expect.arrayContaining(['/dist/surfaces/cli/main.js', '/dist/client/client.js', '/dist/surfaces/mcp/server.js']));
    expect(inputs.some((input) => input.includes('/node_modules/commander/'))).toBe(true);
    expect(forbiddenIn(inputs)).toEqual([]);
    const daemon = await build({ absWorkingDir: ROOT, entryPoints: ['dist/daemon/main.js'], bundle: true, platform: 'node', format: 'esm', write: false, metafile: true, logLevel: 'silent' });
    const daemonInputs = bundleInputs(daemon.metafile);
    expect(forbiddenIn(daemonInputs).some((input) => input.includes('/better-sqlite3/'))).toBe(true);
    expect(forbiddenIn(daemonInputs).some((input) => input.includes('/dist/core/'))).toBe(true);
  }, 60_000);

  it('--version and -V load nothing but the entry, and print the version of package.json', async () => {
    const { version } = JSON.parse(readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as { version: string };
    for (const flag of ['--version', '-V']) {
      const run = await recorded(DISPATCH_BIN, [flag], h.env, h.workspace);
      expect(run.code, run.stderr).toBe(0);
      expect(run.stdout).toBe(`${version}\n`);
      // The entry reads package.json with node's own fs and path, and loads no other file.
      expect(run.modules.filter((m) => !m.startsWith('node:'))).toEqual([new URL(`file://${DISPATCH_BIN}`).href]);
      expect(run.modules.filter((m) => m.startsWith('node:')).sort()).toEqual(['node:fs', 'node:path']);
    }
  });

  it('--help of every command loads no SQLite, codex, core, daemon or simulator module', async () => {
    const seen: string[] = [];
    const walk = async (words: string[]): Promise<void> => {
      const run = await recorded(DISPATCH_BIN, [...words, '--help'], h.env, h.workspace);
      expect(run.code, `dispatch ${words.join(' ')} --help: ${run.stderr}`).toBe(0);
      expect(forbiddenIn(run.modules), `dispatch ${words.join(' ')} --help`).toEqual([]);
      seen.push(words.join(' '));
      await Promise.all(subcommands(run.stdout).map((name) => walk([...words, name])));
    };
    await walk([]);
    // The walk reached op commands, groups and process commands alike.
    expect(seen).toEqual(expect.arrayContaining(['new', 'lane', 'lane get', 'lane follow', 'trigger add', 'up', 'down', 'mcp', 'schema', 'doctor', 'demo', 'completion']));
  }, 240_000);

  it('real commands against a running daemon load none of them either, dynamic imports included', async () => {
    const commands: string[][] = [
      ['up', '--json'],
      ['daemon', 'status', '--json'],
      ['new', '--name', 'graph', '--text', '@sim reply first', '--json'],
      ['send', 'graph', '@sim reply second', '--queue', '--json'],
      ['lane', 'follow', 'graph', '--timeout', '1', '--json'],
      ['lane', 'list'],
      ['lane', 'get', 'graph', '--json'],
      ['lane', 'get', 'no-such-lane', '--json'], // a typed error on the way out
      ['schema', 'lane', 'get'],
      ['schema', 'up'],
      ['doctor', '--json'],
      ['dashboard', '--json', '--no-open'],
      ['completion', 'bash'],
      ['demo'], // its own throwaway home and daemon
    ];
    for (const args of commands) {
      const run = await recorded(DISPATCH_BIN, args, h.env, h.workspace);
      if (!args.includes('no-such-lane')) expect(run.code, `dispatch ${args.join(' ')}: ${run.stderr}`).toBe(0);
      expect(run.modules, `dispatch ${args.join(' ')} recorded nothing: ${run.stderr}`).toContain(new URL(`file://${DISPATCH_BIN}`).href);
      expect(forbiddenIn(run.modules), `dispatch ${args.join(' ')}`).toEqual([]);
      // The action's dynamic imports were recorded too: schema's zod contracts, the demo.
      expect(loadsContracts(run.modules), `dispatch ${args.join(' ')}`).toBe(args[0] === 'schema' && args[1] === 'lane');
      if (args[0] === 'demo') expect(ran(run.modules, 'surfaces/cli/demo.js', 'demo')).toBe(true);
    }
    // The doctor's checks ran in a dispatchd child, which read the registry.
    const doctor = await recorded(DISPATCH_BIN, ['doctor', '--json'], h.env, h.workspace);
    expect((JSON.parse(doctor.stdout) as { checks: Array<{ name: string; detail: string }> }).checks.find((c) => c.name === 'registry')?.detail).toContain('integrity ok');
    const down = await recorded(DISPATCH_BIN, ['down', '--json'], h.env, h.workspace);
    expect(down.code, down.stderr).toBe(0);
    expect(forbiddenIn(down.modules)).toEqual([]);
  }, 240_000);

  it('dispatch mcp serves a call without loading them', async () => {
    const log = path.join(logs, 'mcp.log');
    const client = new Client({ name: 'module-graph-test', version: '0' });
    await client.connect(
      new StdioClientTransport({
        command: process.execPath,
        args: ['--import', RECORDER, DISPATCH_BIN, 'mcp'],
        env: { ...h.env, MODULE_GRAPH_LOG: log },
        cwd: h.workspace,
        stderr: 'pipe',
      }),
    );
    try {
      const roster = await client.callTool({ name: 'dispatch_lane_read', arguments: { op: 'roster' } });
      expect(roster.isError).toBeFalsy();
    } finally {
      await client.close();
    }
    const modules = readFileSync(log, 'utf8').split('\n').filter(Boolean);
    expect(ran(modules, 'surfaces/mcp/server.js', 'server')).toBe(true);
    expect(forbiddenIn(modules)).toEqual([]);
  }, 120_000);
});
