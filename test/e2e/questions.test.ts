import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pollUntil, readRequestLog, startDispatchHarness, waitForLane, type DispatchHarness } from '../helpers/dispatchHarness.js';

type Request = { id: number; state: string; kind: string; summary: string; prompt: unknown; answer: unknown; decision: string | null; decided_by: string | null };

// The model calls codex's request_user_input tool (`@sim ask`); the question must reach a person.
describe('questions the agent asks', () => {
  let h: DispatchHarness;
  beforeAll(async () => {
    h = await startDispatchHarness();
  }, 60_000);
  afterAll(async () => h?.close());

  // codex flags the thread waitingOnUserInput just before it sends the request, so poll the list itself.
  const pendingOn = async (lane: string): Promise<Request> => {
    const listed = async (): Promise<Request[]> => (await h.ok<{ requests: Request[] }>(['request', 'list', '--lane', lane])).requests;
    const requests = await pollUntil(listed, (r) => r.length > 0, `a pending request on ${lane}`, 20_000);
    expect(requests).toHaveLength(1);
    expect((await h.ok(['lane', 'get', lane]))['status']).toBe('waiting_approval');
    return requests[0] as Request;
  };

  it('lists the question with its options, and the answer reaches the model', { timeout: 60_000 }, async () => {
    const lane = await h.ok<{ id: string }>(['new', '--name', 'curious', '--prefix', '', '--no-send']);
    await h.ok(['send', 'curious', '@sim ask color: Which color? | Red | Blue\n@sim reply you said {{last_tool_output}}']);
    const request = await pendingOn('curious');
    expect(request).toMatchObject({
      kind: 'userInput',
      state: 'pending',
      summary: 'Which color? [Red | Blue]',
      prompt: { type: 'questions', questions: [{ id: 'color', question: 'Which color?', options: [{ label: 'Red' }, { label: 'Blue' }], secret: false }] },
    });
    // A question cannot be cancelled (the wire has no cancel): a clear validation error, and it stays pending.
    const cancelled = await h.run(['request', 'respond', String(request.id), 'cancel']);
    expect(cancelled.code).toBe(2);
    const answered = await h.ok<Request>(['request', 'respond', String(request.id), '--answer', 'blue']);
    expect(answered).toMatchObject({ state: 'answered', decision: 'accept', decided_by: 'person', answer: { color: ['Blue'] } });
    const done = await waitForLane(h, 'curious');
    expect(done['last_agent_message']).toBe('you said {"answers":{"color":{"answers":["Blue"]}}}');
    const next = readRequestLog(h.home).filter((r) => r.threadId === lane.id).at(-1);
    expect(next).toMatchObject({ toolOutputs: 1, lastToolOutput: '{"answers":{"color":{"answers":["Blue"]}}}' });
    expect((await h.run(['request', 'respond', String(request.id), '--answer', 'Red'])).code).toBe(10);
    const log = await h.ok<{ actions: Array<{ op: string; outcome: string; detail: string }> }>(['daemon', 'log', '--lane', 'curious']);
    const audited = log.actions.find((a) => a.op === 'question');
    expect(audited?.outcome).toBe('accept');
    expect(audited?.detail).toContain('→ accept [color] (person)');
  });

  it('takes one answer per question id when the agent asks several', { timeout: 60_000 }, async () => {
    await h.ok(['new', '--name', 'several', '--prefix', '', '--no-send']);
    await h.ok(['send', 'several', '@sim ask size: How big? | S | L ;; name: What name? | Ann | Bob\n@sim reply {{last_tool_output}}']);
    const request = await pendingOn('several');
    const ambiguous = await h.run(['request', 'respond', String(request.id), '--answer', 'L']);
    expect(ambiguous.code).toBe(2);
    expect(ambiguous.stderr).toMatch(/KEY=VALUE/);
    await h.ok(['request', 'respond', String(request.id), '--answer', 'size=L', '--answer', 'name=x=y']);
    // codex serialises the answers from a hash map: compare them parsed, not as text.
    expect(JSON.parse(String((await waitForLane(h, 'several'))['last_agent_message']))).toEqual({ answers: { size: { answers: ['L'] }, name: { answers: ['x=y'] } } });
  });

  it('declines on its own when nobody answers before the timeout, and audits it', { timeout: 60_000 }, async () => {
    await h.ok(['new', '--name', 'unheard', '--prefix', '', '--no-send', '--approval-timeout', '1']);
    await h.ok(['send', 'unheard', '@sim ask Proceed? | yes | no\n@sim reply {{last_tool_output}}']);
    expect((await waitForLane(h, 'unheard', undefined, 20_000))['last_agent_message']).toBe('{"answers":{}}');
    const [request] = (await h.ok<{ requests: Request[] }>(['request', 'list', '--lane', 'unheard', '--all'])).requests;
    expect(request).toMatchObject({ kind: 'userInput', state: 'expired', decision: 'decline', decided_by: 'timeout', answer: null });
    const log = await h.ok<{ actions: Array<{ op: string; outcome: string }> }>(['daemon', 'log', '--lane', 'unheard']);
    expect(log.actions.find((a) => a.op === 'question')?.outcome).toBe('decline');
  });
});
