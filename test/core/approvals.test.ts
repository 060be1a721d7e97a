import { describe, expect, it, vi } from 'vitest';
import { ApprovalBroker, decideByPolicy, innerCommand } from '../../src/core/approvals.js';
import { silentLogger } from '../../src/core/context.js';
import { DEFAULT_APPROVAL_ROUTING, type ApprovalRouting, type RequestPrompt } from '../../src/core/model.js';
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

  // Both land in the same tick of the clock, in either order: exactly one of them settles the request.
  for (const personFirst of [true, false]) {
    it(`answers exactly once when a person and the timeout come due at the same moment (${personFirst ? 'person' : 'timer'} first)`, async () => {
      vi.useFakeTimers();
      try {
        const { store, broker } = setup({ ...DEFAULT_APPROVAL_ROUTING, timeoutSeconds: 0.05 });
        let person: 'accepted' | 'conflict' | undefined;
        const answer = (): void => {
          const [row] = store.requests.list({ states: ['pending', 'answered', 'expired'] });
          try {
            broker.respond(row?.id ?? 0, 'accept');
            person = 'accepted';
          } catch (error) {
            expect(error).toMatchObject({ code: 'conflict' });
            person = 'conflict';
          }
        };
        // Timers due at the same instant run in the order they were set.
        if (personFirst) setTimeout(answer, 50);
        const decision = broker.decide(ask());
        if (!personFirst) setTimeout(answer, 50);
        await vi.advanceTimersByTimeAsync(50);
        const [row] = store.requests.list({ states: ['pending', 'answered', 'expired'] });
        if (personFirst) {
          expect(person).toBe('accepted');
          expect(await decision).toBe('accept');
          expect(row).toMatchObject({ state: 'answered', decision: 'accept', decidedBy: 'person' });
        } else {
          expect(person).toBe('conflict');
          expect(await decision).toBe('decline');
          expect(row).toMatchObject({ state: 'expired', decision: 'decline', decidedBy: 'timeout' });
        }
        expect(store.audit.recent({ limit: 10 }).filter((a) => a.op === 'approval')).toHaveLength(1);
      } finally {
        vi.useRealTimers();
      }
    });
  }

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

describe('questions (user input, elicitation)', () => {
  const questions: RequestPrompt = {
    type: 'questions',
    questions: [
      { id: 'color', header: 'Color', question: 'Which color?', options: [{ label: 'Red', description: '' }, { label: 'Blue', description: '' }], other: false, secret: false },
      { id: 'token', header: 'Token', question: 'Your token?', options: [], other: true, secret: true },
    ],
  };
  const prompt = (p: RequestPrompt = questions, signal = new AbortController().signal) => ({ generation: 1, rpcId: 3, laneId: 'L', method: 'item/tool/requestUserInput', kind: 'userInput' as const, prompt: p, signal });

  it('keeps the question on the row; a person answers; secret answers reach codex but are never kept or audited', async () => {
    const { store, broker } = setup();
    const reply = broker.ask(prompt());
    const [row] = store.requests.list({ states: ['pending'] });
    expect(row).toMatchObject({ kind: 'userInput', summary: 'Which color? [Red | Blue] / Your token?', prompt: questions });
    expect(() => broker.respond(row?.id ?? 0, 'accept', ['color=Green', 'token=s3cret'])).toThrow(/not an option/);
    expect(() => broker.respond(row?.id ?? 0, 'accept', ['color=Red'])).toThrow(/no answer for question token/);
    expect(() => broker.respond(row?.id ?? 0, 'accept-for-session', ['color=Red'])).toThrow(DispatchError);
    expect(broker.respond(row?.id ?? 0, undefined, ['color=red', 'token=s3cret'])).toMatchObject({ state: 'answered', decision: 'accept', answer: { color: ['Red'], token: ['[secret]'] } });
    expect(await reply).toEqual({ decision: 'accept', answers: { color: ['Red'], token: ['s3cret'] } });
    const audit = store.audit.recent({ limit: 10 }).filter((a) => a.op === 'question');
    expect(audit).toHaveLength(1);
    expect(JSON.stringify(audit)).not.toContain('s3cret');
    expect(JSON.stringify(store.requests.list({}))).not.toContain('s3cret');
  });

  it('expires to the lane timeout decision like an approval', async () => {
    const { store, broker } = setup({ ...DEFAULT_APPROVAL_ROUTING, timeoutSeconds: 0.05, onTimeout: 'cancel' });
    expect(await broker.ask(prompt())).toEqual({ decision: 'cancel' });
    expect(store.requests.list({})[0]).toMatchObject({ state: 'expired', decision: 'cancel', decidedBy: 'timeout' });
  });

  it('asks no one on deny/allow lanes and on lanes dispatch does not own: it declines at once', async () => {
    const { store, broker } = setup({ ...DEFAULT_APPROVAL_ROUTING, mode: 'allow' });
    expect(await broker.ask(prompt())).toEqual({ decision: 'decline' });
    store.lanes.insert({ id: 'X', handle: '@x', source: 'attached', cwd: '/w', status: 'busy', settings: { sandbox: 'read-only', approvalPolicy: 'never' }, ephemeral: false });
    expect(await broker.ask({ ...prompt(), laneId: 'X' })).toEqual({ decision: 'decline' });
    expect(store.requests.list({}).map((r) => r.decidedBy)).toEqual(['policy deny (not a dispatch lane)', 'policy allow (no one is asked)']);
  });

  it('answers an elicitation form with typed content, and refuses --answer on approvals', async () => {
    const { store, broker } = setup();
    const form: RequestPrompt = {
      type: 'form',
      server: 'deploy',
      message: 'Deploy where?',
      fields: [
        { name: 'region', type: 'string', required: true, choices: ['eu', 'us'] },
        { name: 'replicas', type: 'integer', required: false },
        { name: 'dry_run', type: 'boolean', required: false },
        { name: 'tags', type: 'array', required: false },
      ],
    };
    const reply = broker.ask({ ...prompt(form), kind: 'elicitation', method: 'mcpServer/elicitation/request' });
    const [row] = store.requests.list({ states: ['pending'] });
    expect(() => broker.respond(row?.id ?? 0, 'accept', ['replicas=2'])).toThrow(/region is required/);
    expect(() => broker.respond(row?.id ?? 0, 'accept', ['region=eu', 'replicas=two'])).toThrow(/an integer/);
    expect(() => broker.respond(row?.id ?? 0, 'decline', ['region=eu'])).toThrow(/goes with accept/);
    broker.respond(row?.id ?? 0, undefined, ['region=eu', 'replicas=2', 'dry_run=yes', 'tags=a', 'tags=b']);
    expect(await reply).toEqual({ decision: 'accept', content: { region: 'eu', replicas: 2, dry_run: true, tags: ['a', 'b'] } });
    void broker.decide(ask());
    const [approval] = store.requests.list({ states: ['pending'] });
    expect(() => broker.respond(approval?.id ?? 0, 'accept', ['x'])).toThrow(/is an approval/);
    expect(() => broker.respond(approval?.id ?? 0)).toThrow(/give a decision/);
  });
});
