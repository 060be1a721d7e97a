import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { readFileSync } from 'node:fs';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { resolveCodexBinary } from '../../src/codex/binary.js';
import { localOpHashes } from '../../src/control/protocol.js';
import { resolvePaths } from '../../src/control/paths.js';
import { ERROR_TABLE, isErrorCode, type ErrorCode } from '../../src/shared/errors.js';
import { DISPATCH_BIN, pollUntil, runCli, startDispatchHarness, waitForLane, type CliResult, type DispatchHarness } from '../helpers/dispatchHarness.js';
import { isGone, waitFor } from '../helpers/faultRun.js';
import { memoryOf, RawControl, sendUnterminated } from '../helpers/rawControl.js';

// Every case of the bad-input corpus (test/fixtures/bad-input/) gets a typed error, the daemon
// stays up and keeps serving a well-behaved client, and its memory stays bounded.
const CORPUS = fileURLToPath(new URL('../fixtures/bad-input/', import.meta.url));
const corpus = <T>(file: string): T[] => JSON.parse(readFileSync(path.join(CORPUS, file), 'utf8')) as T[];

interface CliCase { name: string; args: string[]; code: ErrorCode; stdin?: { repeat: string; times: number }; setup?: string[][] }
/** `known`: a gap found and reported, not yet fixed; the case must still fail its check, so a fix shows (then drop `known`). */
interface Known { known?: string }
interface McpCase extends Known { name: string; tool: string; arguments: Record<string, unknown>; code: ErrorCode; fill?: { field: string; chars: number } }
interface ControlCase extends Known { name: string; hello: boolean; lines?: string[]; code?: ErrorCode; close?: boolean; generate?: { nested?: number; unterminated?: number } }
interface CodexCase extends Known { name: string; mode: string; up: ErrorCode | 'ok'; new?: ErrorCode | 'ok' }

/** The error code a CLI run printed on stderr ({"error":{code}}), or undefined when it printed prose. */
function printedCode(result: CliResult): string | undefined {
  try {
    return (JSON.parse(result.stderr.trim()) as { error?: { code?: string } }).error?.code;
  } catch {
    return undefined;
  }
}

/** Generous: the daemon may hold one capped line (16 MiB) and its parse, never the corpus's hundreds of MiB. */
const RSS_GROWTH_BOUND = 200 * 1024 * 1024;

/** Sorts a case's outcome: a known gap must still be one (it is logged); any other miss is wrong. */
function judge(c: Known & { name: string }, ok: boolean, detail: string, wrong: string[]): void {
  if (c.known === undefined) {
    if (!ok) wrong.push(`${c.name}: ${detail}`);
  } else if (ok) wrong.push(`${c.name}: the known gap (${c.known}) is fixed; drop "known" from its case`);
  else console.log(`known gap, ${c.name}: ${c.known}`);
}

describe('bad input: CLI, MCP and control frames', () => {
  let h: DispatchHarness;
  let socketPath: string;
  let daemonPid: number;
  let baseline: number;
  const stillServing = async (): Promise<void> => {
    const listed = await h.ok<{ lanes: Array<{ handle: string }> }>(['lane', 'list', '--json']);
    expect(listed.lanes.map((l) => l.handle)).toContain('@w');
    const status = await h.ok<{ daemon: { pid: number } }>(['daemon', 'status', '--json']);
    expect(status.daemon.pid, 'the daemon is the same process').toBe(daemonPid);
  };

  beforeAll(async () => {
    h = await startDispatchHarness();
    await h.ok(['new', '--name', 'w', '--prefix', '', '--no-send']);
    socketPath = resolvePaths({ DISPATCH_HOME: h.home }).socket;
    daemonPid = (await h.ok<{ daemon: { pid: number } }>(['daemon', 'status', '--json'])).daemon.pid;
    baseline = memoryOf(daemonPid).now;
  }, 60_000);
  afterAll(async () => h?.close());

  it('gives every CLI case its typed error and exit code', { timeout: 90_000 }, async () => {
    const wrong: string[] = [];
    for (const c of corpus<CliCase>('cli.json')) {
      for (const setup of c.setup ?? []) await h.ok(setup);
      const result = await h.run(c.args, c.stdin ? { input: c.stdin.repeat.repeat(c.stdin.times) } : {});
      const printed = printedCode(result);
      // A parse error from commander prints prose; every other error prints its code.
      if (result.code !== ERROR_TABLE[c.code].exit || (printed !== undefined && printed !== c.code)) {
        wrong.push(`${c.name}: exit ${result.code}, ${printed ?? 'no code'}: ${result.stderr.trim().slice(0, 160)}`);
      }
    }
    expect(wrong).toEqual([]);
    await stillServing();
  });

  it('answers every MCP case with a typed tool error and keeps serving', { timeout: 90_000 }, async () => {
    const client = new Client({ name: 'bad-input', version: '0' });
    await client.connect(new StdioClientTransport({ command: process.execPath, args: [DISPATCH_BIN, 'mcp'], env: h.env as Record<string, string>, cwd: h.workspace, stderr: 'pipe' }));
    const soon = { timeout: 60_000 };
    try {
      const wrong: string[] = [];
      for (const c of corpus<McpCase>('mcp.json')) {
        const args = c.fill ? { ...c.arguments, [c.fill.field]: 'a'.repeat(c.fill.chars) } : c.arguments;
        let code: unknown;
        try {
          const result = await client.callTool({ name: c.tool, arguments: args }, undefined, soon);
          code = result.isError ? result._meta?.['code'] : 'no error';
        } catch (error) {
          // A JSON-RPC error instead of a tool result: its data.code.
          code = (error as { data?: { code?: unknown } }).data?.code ?? `untyped: ${(error as Error).message}`;
        }
        judge(c, code === c.code, String(code), wrong);
      }
      expect(wrong).toEqual([]);
      const listed = await client.callTool({ name: 'dispatch_lane_read', arguments: { op: 'lane.list' } }, undefined, soon);
      expect(listed.isError).toBeFalsy();
    } finally {
      await client.close();
    }
    await stillServing();
  });

  it('answers every control-frame case with a typed JSON-RPC error and keeps serving', { timeout: 90_000 }, async () => {
    const hashes = await localOpHashes();
    const wrong: string[] = [];
    for (const c of corpus<ControlCase>('control.json')) {
      const client = await RawControl.open(socketPath);
      try {
        if (c.hello) await client.hello();
        const seen = client.frames.length;
        if (c.generate?.nested) client.write(`${'['.repeat(c.generate.nested)}${']'.repeat(c.generate.nested)}\n`);
        if (c.generate?.unterminated) await sendUnterminated(client, c.generate.unterminated);
        for (const line of c.lines ?? []) {
          client.write(line.replace(/\$hash:([\w.]+)/g, (_, op: string) => hashes[op] ?? 'unknown-op'));
          await new Promise((r) => setImmediate(r));
        }
        if (c.close) continue;
        const frame = await client.until(c.name, () => client.frames.slice(seen).find((f) => f.error !== undefined || f.result !== undefined) ?? (client.closed ? { closed: true } : undefined));
        const code = frame.error?.data?.['code'];
        judge(c, code === c.code && isErrorCode(code) && frame.error?.code === ERROR_TABLE[code].rpc, JSON.stringify(frame).slice(0, 200), wrong);
      } finally {
        client.close();
      }
      if (c.known !== undefined && (await waitFor(() => isGone(daemonPid), 2_000))) {
        // A known gap that kills the daemon: the user starts it again and the corpus goes on.
        console.log(`known gap, ${c.name}: the daemon died; starting it again`);
        await h.ok(['up', '--simulate']);
        daemonPid = (await h.ok<{ daemon: { pid: number } }>(['daemon', 'status', '--json'])).daemon.pid;
        baseline = memoryOf(daemonPid).now;
      }
    }
    expect(wrong).toEqual([]);
    await stillServing();
  });

  it('keeps serving while a subscriber never reads, and memory stays bounded', { timeout: 90_000 }, async () => {
    const stalled = await RawControl.open(socketPath);
    try {
      await stalled.hello();
      expect((await stalled.request('subscribe', { subscription: 'never-reads', since: 0 })).error).toBeUndefined();
      stalled.socket.pause();
      for (let i = 0; i < 3; i++) await h.ok(['send', 'w', `@sim slow 50x1\n@sim reply served ${i}`, '--queue']);
      await waitForLane(h, 'w', (l) => l['last_agent_message'] === 'served 2', 60_000);
      await stillServing();
    } finally {
      stalled.close();
    }
    expect(memoryOf(daemonPid).peak - baseline).toBeLessThan(RSS_GROWTH_BOUND);
  });
});

describe('bad input: codex binaries that hang, exit or answer wrongly', () => {
  const homes: string[] = [];
  afterAll(async () => {
    for (const home of homes) await rm(home, { recursive: true, force: true });
  });

  it('gives each a typed error, or serves through it with bounded memory', { timeout: 90_000 }, async () => {
    const real = resolveCodexBinary({}).path;
    const outcomes = await Promise.all(
      corpus<CodexCase>('codex.json').map(async (c) => {
        const home = await mkdtemp(path.join(os.tmpdir(), 'dsp-bad-'));
        homes.push(home);
        const workspace = path.join(home, 'ws');
        await mkdir(workspace);
        const env: NodeJS.ProcessEnv = {
          PATH: process.env['PATH'],
          HOME: home,
          DISPATCH_HOME: home,
          CODEX_HOME: path.join(home, 'no-codex-home'),
          NO_COLOR: '1',
          DISPATCH_CODEX_BIN: path.join(CORPUS, 'codex', c.mode),
          FAKE_CODEX_REAL_BIN: real,
          DISPATCH_INITIALIZE_TIMEOUT_MS: '3000',
        };
        const cli = (args: string[]): Promise<CliResult> => runCli(args, { env, cwd: workspace, timeoutMs: 60_000 });
        const problems: string[] = [];
        const expectOutcome = (what: string, result: CliResult, expected: ErrorCode | 'ok'): void => {
          const code = expected === 'ok' ? 0 : ERROR_TABLE[expected].exit;
          const printed = printedCode(result);
          if (result.code !== code || (expected !== 'ok' && printed !== expected)) problems.push(`${what}: exit ${result.code} ${printed ?? ''} ${result.stderr.trim().slice(0, 200)}`);
        };
        try {
          expectOutcome('up', await cli(['up', '--simulate', '--json']), c.up);
          if (c.up !== 'ok' || problems.length > 0) return { known: c, problems };
          const pid = (await cli(['daemon', 'status', '--json'])).json as { daemon?: { pid?: number } } | undefined;
          const created = await cli(['new', '--name', 'w', '--prefix', '', '--text', '@sim reply served', '--json']);
          expectOutcome('new', created, c.new ?? 'ok');
          if (c.new === 'ok' && problems.length === 0) {
            const lane = await pollUntil(async () => (await cli(['lane', 'get', 'w', '--json'])).json as Record<string, unknown> | undefined, (l) => l?.['status'] === 'idle', `${c.name}: the turn ending`, 40_000).catch((error: Error) => {
              problems.push(error.message);
              return undefined;
            });
            if (lane && lane['last_agent_message'] !== 'served') problems.push(`the turn ended with ${JSON.stringify(lane['last_agent_message'])}`);
          }
          // The daemon is up and answers.
          expectOutcome('lane list', await cli(['lane', 'list', '--json']), 'ok');
          const daemonPid = pid?.daemon?.pid;
          if (daemonPid === undefined || isGone(daemonPid)) problems.push('the daemon that started is gone');
          else if (memoryOf(daemonPid).peak > RSS_GROWTH_BOUND + 100 * 1024 * 1024) problems.push(`daemon peak RSS ${memoryOf(daemonPid).peak}`);
          return { known: c, problems };
        } finally {
          await cli(['down']);
        }
      }),
    );
    const wrong: string[] = [];
    for (const outcome of outcomes) judge(outcome.known, outcome.problems.length === 0, outcome.problems.join('; '), wrong);
    expect(wrong).toEqual([]);
  });
});
