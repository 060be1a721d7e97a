import { describe, expect, it } from 'vitest';
import type { LaneEvent } from '../../../src/control/protocol.js';
import { factLine, factRow } from '../../../src/surfaces/cli/eventsView.js';
import type { DaemonClient } from '../../../src/client/client.js';
import { pendingRequestId, renderEvent, type RenderState } from '../../../src/surfaces/cli/follow.js';

const render = (events: LaneEvent[]): string => {
  let out = '';
  const state: RenderState = { inMessage: false };
  for (const event of events) renderEvent(event, (text) => (out += text), state, '@w');
  return out;
};

const laneId = 'l1';
const turnId = 't1';
const message = (id: string, text: string): LaneEvent => ({ type: 'itemCompleted', laneId, turnId, item: { id, type: 'agentMessage', text, raw: {} } });
const delta = (itemId: string, text: string): LaneEvent => ({ type: 'agentMessageDelta', laneId, turnId, itemId, delta: text });

// How `lane follow` / `lane tail --follow` show a lane to a person.
describe('renderEvent', () => {
  it('streams the agent text as it arrives and shows commands, file changes, requests and turn ends one per line', () => {
    const out = render([
      { type: 'turnStarted', laneId, turnId },
      delta('m1', 'hel'),
      delta('m1', 'lo'),
      message('m1', 'hello'),
      { type: 'itemCompleted', laneId, turnId, item: { id: 'c1', type: 'commandExecution', command: 'npm test', exitCode: 1, raw: {} } },
      { type: 'itemCompleted', laneId, turnId, item: { id: 'f1', type: 'fileChange', paths: ['a.ts', 'b.ts'], status: 'completed', raw: {} } },
      { type: 'approvalRequested', laneId, turnId, requestId: 4, kind: 'command', command: 'rm -rf build' },
      { type: 'approvalRequested', laneId, turnId, requestId: 5, kind: 'userInput', question: 'Which color?' },
      { type: 'turnCompleted', laneId, turnId, outcome: 'completed' },
    ]);
    expect(out.split('\n')).toEqual([
      `── turn ${turnId} started`,
      'hello',
      '$ npm test  (exit 1)',
      '± a.ts, b.ts (completed)',
      '? command approval requested: rm -rf build — answer: dispatch request list --lane @w, then dispatch request respond ID accept|decline',
      '? the agent asks: Which color? — answer: dispatch request list --lane @w, then dispatch request respond ID --answer …',
      `── turn ${turnId} completed`,
      '',
    ]);
  });

  it('prints a whole message that came without deltas, and only the rest of one whose stream was cut (a resumed follower)', () => {
    expect(render([message('m1', 'all of it')])).toBe('all of it\n');
    expect(render([delta('m1', 'first half, '), message('m1', 'first half, second half')])).toBe('first half, second half\n');
    // A delta of another message ends the one before on its own line.
    expect(render([delta('m1', 'one'), delta('m2', 'two'), message('m2', 'two')])).toBe('one\ntwo\n');
  });
});

describe('the answer hint', () => {
  it('names the request to answer when its id is known', () => {
    let out = '';
    renderEvent({ type: 'approvalRequested', laneId, turnId, requestId: 'rpc-1', kind: 'command', command: 'make' }, (text) => (out += text), { inMessage: false }, '@w', 7);
    expect(out).toBe('? command approval requested: make — answer: dispatch request respond 7 accept|decline\n');
  });

  it('finds the newest pending request of the kind on the lane, and gives up quietly when it cannot read them', async () => {
    const calls: unknown[] = [];
    const client = {
      call: async (op: string, input: unknown) => {
        calls.push({ op, input });
        return { requests: [{ id: 9, kind: 'userInput' }, { id: 8, kind: 'command' }, { id: 3, kind: 'command' }] };
      },
      close: async () => undefined,
    } as unknown as DaemonClient;
    expect(await pendingRequestId('l1', 'command', async () => client)).toBe(8);
    expect(calls).toEqual([{ op: 'request.list', input: { lane: 'l1' } }]);
    expect(await pendingRequestId('l1', 'command', async () => Promise.reject(new Error('down')))).toBeUndefined();
  });
});

describe('factLine', () => {
  it('puts a pushed fact on one line: seq, time, handle, type, summary', () => {
    const row = factRow({ seq: 42, at: '2026-12-01T10:11:12.345Z', event: { type: 'turnCompleted', laneId: 'abcdef123456', turnId: 't9', outcome: 'failed', error: { message: 'boom' } } as never }, new Map([['abcdef123456', '@w']]));
    expect(row).toMatchObject({ seq: 42, type: 'turnCompleted', lane: 'abcdef123456', handle: '@w', outcome: 'failed' });
    expect(factLine(row).trim().replace(/\s+/g, ' ')).toBe('42 10:11:12.345 @w turnCompleted turn t9 failed: boom');
  });
});
