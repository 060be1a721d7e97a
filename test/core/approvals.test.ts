import { describe, expect, it } from 'vitest';
import { ApprovalBroker, decideByPolicy, innerCommand } from '../../src/core/approvals.js';
import { silentLogger } from '../../src/core/context.js';
import { DEFAULT_APPROVAL_ROUTING, type ApprovalRouting } from '../../src/core/model.js';
import { DispatchError } from '../../src/shared/errors.js';
import { openStore } from '../../src/store/index.js';

function setup(approvals?: ApprovalRouting) {
  const store = openStore({ path: ':memory:' });
  store.lanes.insert({
    id: 'L',
    handle: '@l',
    source: 'own',
    cwd: '/w',
    status: 'busy',
    settings: { sandbox: 'danger-full-access', approvalPolicy: 'untrusted', ...(approvals ? { approvals } : {}) },
    ephemeral: false,
  });
  return { store, broker: new ApprovalBroker({ store, log: silentLogger }) };
}

const ask = (signal = new AbortController().signal) => ({ generation: 1, rpcId: 0, laneId: 'L', method: 'item/commandExecution/requestApproval', kind: 'command' as const, command: "/bin/bash -lc 'npm test'", signal });

describe('approval routing', () => {
  it('unwraps the login shell codex runs commands through', () => {
    expect(innerCommand("/bin/bash -lc 'echo it'\\''s > x'")).toBe("echo it's > x");
    expect(innerCommand('ls -la')).toBe('ls -la');
  });

  it('matches command prefixes on word boundaries and path prefixes on every path', () => {
    const routing: ApprovalRouting = { ...DEFAULT_APPROVAL_ROUTING, rules: [{ decision: 'accept', command: 'npm test' }, { decision: 'decline', path: 'secrets/' }] };
    expect(decideByPolicy(routing, { kind: 'command', command: "/bin/bash -lc 'npm test -- --watch'" })?.decision).toBe('accept');
    expect(decideByPolicy(routing, { kind: 'command', command: "/bin/bash -lc 'npm testing'" })).toBeUndefined();
    expect(decideByPolicy(routing, { kind: 'fileChange', paths: ['/w/secrets/key', '/w/secrets/b'] })?.decision).toBe('decline');
    expect(decideByPolicy({ ...routing, mode: 'deny' }, { kind: 'fileChange', paths: ['/w/src/a.ts'] })).toEqual({ decision: 'decline', by: 'policy deny' });
  });

  it('answers exactly once when a person and the timeout race', async () => {
    const { store, broker } = setup({ ...DEFAULT_APPROVAL_ROUTING, timeoutSeconds: 0.05 });
    const decision = broker.decide(ask());
    const [row] = store.requests.list({ states: ['pending'] });
    await new Promise((r) => setTimeout(r, 100));
    expect(await decision).toBe('decline');
    expect(() => broker.respond(row?.id ?? 0, 'accept')).toThrow(DispatchError);
    expect(store.requests.find(row?.id ?? 0)).toMatchObject({ state: 'expired', decision: 'decline', decidedBy: 'timeout' });
    expect(store.audit.recent({ limit: 10 }).filter((a) => a.op === 'approval')).toHaveLength(1);
  });

  it('a person answers before the timeout; a second answer is a conflict', async () => {
    const { store, broker } = setup();
    const decision = broker.decide(ask());
    const [row] = store.requests.list({ states: ['pending'] });
    expect(broker.respond(row?.id ?? 0, 'accept-for-session')).toMatchObject({ state: 'answered', decision: 'acceptForSession', decidedBy: 'person' });
    expect(await decision).toBe('acceptForSession');
    expect(() => broker.respond(row?.id ?? 0, 'decline')).toThrow(/already answered/);
  });

  it('fails requests whose connection closed, and those of an older app-server generation', async () => {
    const { store, broker } = setup();
    const controller = new AbortController();
    const decision = broker.decide(ask(controller.signal));
    controller.abort();
    expect(await decision).toBe('cancel');
    void broker.decide({ ...ask(), generation: 1 });
    expect(broker.failStale(2)).toBe(1);
    expect(store.requests.list({ states: ['failed'] })).toHaveLength(2);
  });

  it('never approves for attached lanes: they are denied', async () => {
    const { store, broker } = setup();
    store.lanes.insert({ id: 'X', handle: '@x', source: 'attached', cwd: '/w', status: 'busy', settings: { sandbox: 'read-only', approvalPolicy: 'never' }, ephemeral: false });
    expect(await broker.decide({ ...ask(), laneId: 'X' })).toBe('decline');
  });
});
