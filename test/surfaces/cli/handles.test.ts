import { describe, expect, it } from 'vitest';
import { withHandles } from '../../../src/surfaces/cli/handles.js';

const handles = new Map([['lane-uuid-1', '@writer']]);

describe('withHandles', () => {
  it('names lanes by handle in lists and nested records, and keeps unknown ids', async () => {
    const result = {
      deliveries: [{ receipt: 1, lane: 'lane-uuid-1' }, { receipt: 2, lane: 'gone-uuid' }],
      delivery: { receipt: 3, lane: 'lane-uuid-1' },
      triggers: [{ id: 't1', lane: 'lane-uuid-1', target: 'lane-uuid-1' }],
    };
    expect(await withHandles(result, async () => handles)).toEqual({
      deliveries: [{ receipt: 1, lane: '@writer' }, { receipt: 2, lane: 'gone-uuid' }],
      delivery: { receipt: 3, lane: '@writer' },
      triggers: [{ id: 't1', lane: '@writer', target: '@writer' }],
    });
  });

  it('leaves a record that carries its own handle, and asks for handles only when needed', async () => {
    let asked = 0;
    const lookup = async (): Promise<Map<string, string>> => {
      asked += 1;
      return handles;
    };
    const ack = { lane: 'lane-uuid-1', handle: '@writer', op: 'send' };
    expect(await withHandles(ack, lookup)).toEqual(ack);
    expect(await withHandles({ lanes: [{ id: 'lane-uuid-1', handle: '@writer' }] }, lookup)).toEqual({ lanes: [{ id: 'lane-uuid-1', handle: '@writer' }] });
    expect(asked).toBe(0);
  });
});
