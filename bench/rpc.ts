/** The JSON-RPC engine: request round trips over a memory pair, and JSONL decoding. */
import { JsonRpcConnection } from '../src/jsonrpc/connection.js';
import { LineDecoder } from '../src/jsonrpc/lineDecoder.js';
import { MemoryTransport } from '../src/jsonrpc/memoryTransport.js';
import type { BenchRow } from './report.js';

export async function benchRpc(requests = 20_000): Promise<BenchRow[]> {
  const [a, b] = MemoryTransport.createLinkedPair();
  const client = new JsonRpcConnection(a, { maxInFlight: 64 });
  const server = new JsonRpcConnection(b);
  server.onRequest('echo', (params) => params);
  await client.start();
  await server.start();
  const payload = { threadId: '01a210e9-2e2e-7e00-9e61-95965d27737b', text: 'hello there' };
  let start = performance.now();
  await Promise.all(Array.from({ length: requests }, () => client.request('echo', payload)));
  const rpc = ((performance.now() - start) * 1000) / requests;
  start = performance.now();
  for (let i = 0; i < requests; i++) {
    // Baseline: the two JSON round trips every request costs at minimum.
    JSON.parse(JSON.stringify({ id: i, method: 'echo', params: payload }));
    JSON.parse(JSON.stringify({ id: i, result: payload }));
    await Promise.resolve();
  }
  const baseline = ((performance.now() - start) * 1000) / requests;
  await client.close();
  await server.close();
  return [{ name: 'JSON-RPC request round trip (memory pair)', value: rpc, unit: 'µs', baseline: { value: baseline, name: 'bare JSON round trip' }, extra: { requests } }];
}

export function benchDecoder(rounds = 50): BenchRow[] {
  const line = JSON.stringify({ method: 'item/agentMessage/delta', params: { threadId: 't', turnId: 'u', itemId: 'i', delta: 'x'.repeat(200) } });
  const chunk = Buffer.from(`${line}\n`.repeat(2000));
  const decoder = new LineDecoder();
  let start = performance.now();
  let count = 0;
  for (let r = 0; r < rounds; r++) for (const _ of decoder.push(chunk)) count++;
  const decoded = (performance.now() - start) / rounds;
  start = performance.now();
  for (let r = 0; r < rounds; r++) count -= chunk.toString('utf8').split('\n').filter(Boolean).length;
  const baseline = (performance.now() - start) / rounds;
  if (count !== 0) throw new Error('decoder and baseline disagree on the line count');
  return [{ name: `JSONL decode of ${(chunk.length / 1e6).toFixed(1)} MB`, value: decoded, unit: 'ms', baseline: { value: baseline, name: 'toString+split' }, extra: { rounds } }];
}
