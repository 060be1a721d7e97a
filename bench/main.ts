/**
 * `npm run bench`: speed figures printed as ratios against a baseline measured in the same run,
 * so they compare across machines. Nothing here asserts a time; it reports.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { JsonRpcConnection } from '../src/jsonrpc/connection.js';
import { LineDecoder } from '../src/jsonrpc/lineDecoder.js';
import { MemoryTransport } from '../src/jsonrpc/memoryTransport.js';

const ROOT = path.resolve(import.meta.dirname, '..');

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] ?? Number.NaN;
}

function timeProcess(args: string[], env: NodeJS.ProcessEnv, runs: number): number {
  const times: number[] = [];
  for (let i = 0; i < runs; i++) {
    const start = performance.now();
    execFileSync(process.execPath, args, { env, stdio: 'pipe' });
    times.push(performance.now() - start);
  }
  return median(times);
}

function report(name: string, value: number, baseline: number, unit: string, baselineName: string): void {
  console.log(`${name.padEnd(44)} ${value.toFixed(2).padStart(9)} ${unit}   ${(value / baseline).toFixed(2)}× ${baselineName} (${baseline.toFixed(2)} ${unit})`);
}

async function benchCli(): Promise<void> {
  const home = mkdtempSync(path.join(os.tmpdir(), 'dsp-bench-'));
  const env = { PATH: process.env['PATH'], HOME: home, DISPATCH_HOME: home, NO_COLOR: '1' };
  const cli = path.join(ROOT, 'bin', 'dispatch.js');
  try {
    execFileSync(process.execPath, [cli, 'up', '--simulate'], { env, stdio: 'pipe' });
    execFileSync(process.execPath, [cli, 'new', '--name', 'bench', '--prefix', '', '--no-send'], { env, stdio: 'pipe' });
    const baseline = timeProcess(['-e', '0'], env, 15);
    report('dispatch lane list (running daemon), median', timeProcess([cli, 'lane', 'list'], env, 15), baseline, 'ms', 'node -e 0');
    report('dispatch --version, median', timeProcess([cli, '--version'], env, 15), baseline, 'ms', 'node -e 0');
  } finally {
    try {
      execFileSync(process.execPath, [cli, 'down'], { env, stdio: 'pipe' });
    } finally {
      rmSync(home, { recursive: true, force: true });
    }
  }
}

async function benchRpc(): Promise<void> {
  const [a, b] = MemoryTransport.createLinkedPair();
  const client = new JsonRpcConnection(a, { maxInFlight: 64 });
  const server = new JsonRpcConnection(b);
  server.onRequest('echo', (params) => params);
  await client.start();
  await server.start();
  const n = 20_000;
  const payload = { threadId: '01a210e9-2e2e-7e00-9e61-95965d27737b', text: 'hello there' };
  let start = performance.now();
  await Promise.all(Array.from({ length: n }, () => client.request('echo', payload)));
  const rpc = ((performance.now() - start) * 1000) / n;
  start = performance.now();
  for (let i = 0; i < n; i++) {
    // Baseline: the two JSON round trips every request costs at minimum.
    JSON.parse(JSON.stringify({ id: i, method: 'echo', params: payload }));
    JSON.parse(JSON.stringify({ id: i, result: payload }));
    await Promise.resolve();
  }
  const baseline = ((performance.now() - start) * 1000) / n;
  report('JSON-RPC request round trip (memory pair)', rpc, baseline, 'µs', 'bare JSON round trip');
}

function benchDecoder(): void {
  const line = JSON.stringify({ method: 'item/agentMessage/delta', params: { threadId: 't', turnId: 'u', itemId: 'i', delta: 'x'.repeat(200) } });
  const chunk = Buffer.from(`${line}\n`.repeat(2000));
  const rounds = 50;
  const decoder = new LineDecoder();
  let start = performance.now();
  let count = 0;
  for (let r = 0; r < rounds; r++) for (const _ of decoder.push(chunk)) count++;
  const decoded = (performance.now() - start) / rounds;
  start = performance.now();
  for (let r = 0; r < rounds; r++) count -= chunk.toString('utf8').split('\n').filter(Boolean).length;
  const baseline = (performance.now() - start) / rounds;
  if (count !== 0) throw new Error('decoder and baseline disagree on the line count');
  report(`JSONL decode of ${(chunk.length / 1e6).toFixed(1)} MB`, decoded, baseline, 'ms', 'toString+split');
}

console.log(`dispatch bench — node ${process.version}, ${os.cpus().length} cores\n`);
benchDecoder();
await benchRpc();
await benchCli();
