import { describe, expect, it } from 'vitest';
import { DispatchError } from '../../../src/shared/errors.js';
import { errorResult } from '../../../src/surfaces/mcp/server.js';

describe('MCP error results', () => {
  it('phrases the send modes core names for a busy lane with the tool field name, and keeps them in _meta', () => {
    const result = errorResult(new DispatchError('lane_busy', 'lane @a is running turn t1; cannot send until it ends or is stopped', { data: { modes: ['steer', 'queue', 'interject'] } }));
    expect(result.content).toEqual([{ type: 'text', text: 'lane @a is running turn t1; cannot send until it ends or is stopped; call again with mode set to one of steer, queue, interject, or stop the turn' }]);
    expect(result._meta).toMatchObject({ code: 'lane_busy', modes: ['steer', 'queue', 'interject'] });
  });
});
