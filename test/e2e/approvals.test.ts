import { existsSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pollUntil, startDispatchHarness, waitForLane, type DispatchHarness } from '../helpers/dispatchHarness.js';

type Request = { id: number; state: string; summary: string; decision: string | null; decided_by: string | null; kind: string };

// Approval routing on the real app-server: every command under "untrusted" asks dispatch first.
describe('approvals', () => {
  let h: DispatchHarness;
  const asking = ['--approval-policy', 'untrusted', '--sandbox', 'danger-full-access', '--prefix', '', '--no-send'];
  beforeAll(async () => {
    h = await startDispatchHarness();
  }, 60_000);
  afterAll(async () => h?.close());

  it('waits for a person: request list shows it, request respond accepts it, a second answer conflicts', async () => {
    await h.ok(['new', '--name', 'careful', ...asking]);
    await h.ok(['send', 'careful', '@sim shell echo yes > approved.txt\n@sim reply ran it']);
    await waitForLane(h, 'careful', (l) => l['status'] === 'waiting_approval');
    // codex marks the thread waiting slightly before it sends the request itself: poll the list.
    const pending = await pollUntil(() => h.ok<{ requests: Request[] }>(['request', 'list', '--lane', 'careful']), (list) => list.requests.length > 0, 'the approval request being listed');
    expect(pending.requests).toHaveLength(1);
    const [request] = pending.requests;
    expect(request).toMatchObject({ kind: 'command', state: 'pending', summary: 'echo yes > approved.txt' });
    const busySend = await h.run(['send', 'careful', 'hello?']);
    expect(busySend.code).toBe(6);
    const answered = await h.ok<Request>(['request', 'respond', String(request?.id), 'accept']);
    expect(answered).toMatchObject({ state: 'answered', decision: 'accept', decided_by: 'person' });
    const done = await waitForLane(h, 'careful');
    expect(done['last_agent_message']).toBe('ran it');
    expect(existsSync(path.join(h.workspace, 'approved.txt'))).toBe(true);
    const again = await h.run(['request', 'respond', String(request?.id), 'decline']);
    expect(again.code).toBe(10);
  });

  it('lets lane rules decide: an allowed command prefix runs, a denied one does not', async () => {
    await h.ok(['new', '--name', 'ruled', ...asking, '--approval-rule', 'allow:cmd:echo', '--approval-rule', 'deny:cmd:touch']);
    await h.ok(['send', 'ruled', '@sim shell echo ruled > ruled.txt\n@sim reply allowed']);
    expect((await waitForLane(h, 'ruled'))['last_agent_message']).toBe('allowed');
    expect(existsSync(path.join(h.workspace, 'ruled.txt'))).toBe(true);
    await h.ok(['send', 'ruled', '@sim shell touch denied.txt\n@sim reply declined']);
    expect((await waitForLane(h, 'ruled'))['last_agent_message']).toBe('declined');
    expect(existsSync(path.join(h.workspace, 'denied.txt'))).toBe(false);
    const all = await h.ok<{ requests: Request[] }>(['request', 'list', '--lane', 'ruled', '--all']);
    expect(all.requests.map((r) => [r.decision, r.decided_by])).toEqual([
      ['decline', 'rule decline command "touch"'],
      ['accept', 'rule accept command "echo"'],
    ]);
  });

  it('declines on its own when nobody answers before the timeout', async () => {
    await h.ok(['new', '--name', 'patient', ...asking, '--approval-timeout', '1']);
    await h.ok(['send', 'patient', '@sim shell echo late > late.txt\n@sim reply gave up']);
    expect((await waitForLane(h, 'patient', undefined, 20_000))['last_agent_message']).toBe('gave up');
    expect(existsSync(path.join(h.workspace, 'late.txt'))).toBe(false);
    const [request] = (await h.ok<{ requests: Request[] }>(['request', 'list', '--lane', 'patient', '--all'])).requests;
    expect(request).toMatchObject({ state: 'expired', decision: 'decline', decided_by: 'timeout' });
    const log = await h.ok<{ actions: Array<{ op: string; outcome: string }> }>(['daemon', 'log', '--lane', 'patient']);
    expect(log.actions.find((a) => a.op === 'approval')?.outcome).toBe('decline');
  });
});
