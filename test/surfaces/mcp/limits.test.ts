import { describe, expect, it } from 'vitest';
import { BoundedLines, identifyOversized, type OversizedRequest } from '../../../src/surfaces/mcp/limits.js';
import { successResult } from '../../../src/surfaces/mcp/server.js';

describe('MCP request lines', () => {
  it('passes lines that fit and drops an oversized one as it streams, keeping only its edges', async () => {
    const refused: OversizedRequest[] = [];
    const lines = new BoundedLines({ maxLineBytes: 64, onOversized: (r) => refused.push(r) });
    const out: string[] = [];
    lines.on('data', (chunk: Buffer) => out.push(chunk.toString()));
    const start = '{"method":"tools/call","params":{"text":"';
    const end = '"},"jsonrpc":"2.0","id":7}';
    lines.write(`{"id":1,"method":"ping"}\n${start}`);
    for (let i = 0; i < 100; i++) lines.write('x'.repeat(1000));
    lines.write(`${end}\n{"id":2,"method":"ping"}\n`);
    lines.end();
    await new Promise((resolve) => lines.on('end', resolve));
    expect(out).toEqual(['{"id":1,"method":"ping"}\n', '{"id":2,"method":"ping"}\n']);
    expect(refused).toEqual([{ bytes: start.length + 100_000 + end.length, id: 7, method: 'tools/call' }]);
  });

  it('finds an id written first or last, and none inside the params', () => {
    expect(identifyOversized('{"jsonrpc":"2.0","id":"a-1","method":"tools/list","params":{', '', 10)).toMatchObject({ id: 'a-1', method: 'tools/list' });
    expect(identifyOversized('{"method":"notifications/x","params":{"a":', '"b":{"id":5}}}', 10)).toMatchObject({ id: undefined });
  });
});

describe('MCP results', () => {
  const tail = { lane: 'l', handle: '@l', items: Array.from({ length: 50 }, (_, i) => ({ turn_id: 't', item_id: `i${i}`, type: 'agentMessage', text: 'z'.repeat(1000) })) };

  it('returns a result that fits whole', () => {
    expect(successResult(tail, 1024 * 1024)._meta).toBeUndefined();
  });

  it('cuts the largest list to its last entries that fit, under the byte cap', () => {
    const cut = successResult(tail, 20_000);
    const items = (cut.structuredContent as typeof tail).items;
    expect(JSON.stringify(cut).length).toBeLessThanOrEqual(20_000);
    expect(items.at(-1)?.item_id).toBe('i49');
    expect(cut._meta?.['truncated']).toEqual({ field: 'items', returned: items.length, total: 50, max_bytes: 20_000 });
    // One more entry would not have fit.
    expect(successResult(tail, 20_000 + 2 * 1100)._meta?.['truncated']).not.toEqual(cut._meta?.['truncated']);
  });

  it('is a typed limit_exceeded error when nothing can be cut', () => {
    expect(() => successResult({ blob: 'q'.repeat(50_000) }, 20_000)).toThrow(expect.objectContaining({ code: 'limit_exceeded' }));
  });
});
