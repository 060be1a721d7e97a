import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { projectNotification, projectServerRequest } from '../../../src/codex/events.js';
import type { Fact } from '../../../src/core/facts.js';
import { reduceLane } from '../../../src/core/lane/state.js';
import type { LaneItem } from '../../../src/core/laneEvents.js';
import type { Attention, Lane, LaneState } from '../../../src/core/model.js';

// The lane reducer alone: pure calls, no store. Each fact gets its own time, one second apart, so
// lastEventAt and latestTurn.at show which fact set them.

const SETTINGS = { sandbox: 'workspace-write', approvalPolicy: 'never' } as const;
const BASE_MS = Date.parse('2030-01-01T00:00:00.000Z');
const atOf = (n: number): string => new Date(BASE_MS + n * 1000).toISOString();

type LaneCreated = Extract<Fact, { type: 'laneCreated' }>;

function laneCreated(laneId: string, overrides: Partial<LaneCreated> = {}): LaneCreated {
  return { type: 'laneCreated', laneId, handle: `@${laneId}`, source: 'own', cwd: '/w', status: 'idle', settings: SETTINGS, ephemeral: false, by: 'new', ...overrides };
}

/** Freezes the lane and everything in it, so a reducer that mutated its input would throw. */
function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null && !Object.isFrozen(value)) {
    for (const inner of Object.values(value)) deepFreeze(inner);
    Object.freeze(value);
  }
  return value;
}

/** A reducer driven by hand: each `apply` folds facts at the next instants and returns the lane. */
function folder(laneId = 'L', created: Partial<LaneCreated> = {}) {
  let tick = 0;
  let lane: Lane | undefined = reduceLane(undefined, laneCreated(laneId, created), atOf(tick));
  const apply = (...facts: Fact[]): Lane => {
    for (const fact of facts) lane = reduceLane(deepFreeze(lane), fact, atOf(++tick));
    if (!lane) throw new Error('the lane vanished');
    return lane;
  };
  return { apply, lane: () => apply(), at: () => atOf(tick) };
}

const item = (id: string, type: string, text?: string): LaneItem => ({ id, type, ...(text === undefined ? {} : { text }), raw: { id, type } });
const started = (turnId: string, laneId = 'L'): Fact => ({ type: 'turnStarted', laneId, turnId });
const completed = (turnId: string, outcome: 'completed' | 'interrupted' | 'failed', extra: object = {}, laneId = 'L'): Fact => ({ type: 'turnCompleted', laneId, turnId, outcome, ...extra });
const status = (value: 'idle' | 'active' | 'systemError' | 'notLoaded', activeFlags: string[] = [], laneId = 'L'): Fact => ({ type: 'statusChanged', laneId, status: value, activeFlags });
const accepted = (turnId: string, mode: 'send' | 'queue' | 'interject' | 'steer' = 'send', receipt = 1): Fact => ({ type: 'turnAccepted', laneId: 'L', turnId, receipt, mode });
const approval = (turnId: string, requestId: number): Fact => ({ type: 'approvalRequested', laneId: 'L', turnId, itemId: 'call', requestId, kind: 'command', command: 'touch x' });
const resolved = (requestId: number): Fact => ({ type: 'approvalResolved', laneId: 'L', requestId });
const agentSaid = (turnId: string, text: string): Fact => ({ type: 'itemCompleted', laneId: 'L', turnId, item: item(`msg-${text}`, 'agentMessage', text) });

// ---------------------------------------------------------------------------------------------
// Replaying the captured codex 0.169.0 streams.

const FIXTURES = fileURLToPath(new URL('../../fixtures/codex-0.169.0/', import.meta.url));

interface WireMessage {
  id?: string | number;
  method?: string;
  params?: Record<string, unknown>;
  result?: Record<string, unknown>;
  error?: unknown;
}
interface Entry {
  dir: 'in' | 'out' | 'exit' | 'stdout-eof';
  msg: WireMessage;
  line: number;
}

function load(file: string): Entry[] {
  return readFileSync(`${FIXTURES}${file}`, 'utf8')
    .split('\n')
    .filter((l) => l.trim() !== '')
    .map((l, i) => ({ ...(JSON.parse(l) as Omit<Entry, 'line'>), line: i + 1 }));
}

interface Step {
  line: number;
  fact: Fact;
  lane: Lane;
}

interface Replay {
  lanes: Map<string, Lane>;
  steps: Step[];
  /** The time of the last fact folded, to continue a replay with more facts. */
  tick: number;
}

/**
 * Folds a transcript the way dispatchd sees it: a `laneCreated` when thread/start (or a resume of
 * an unknown thread) answers, every projected server→client notification and request except the
 * deltas, and — with `acceptances` — the `turnAccepted` dispatch records when turn/start or
 * turn/steer answers.
 */
function replay(file: string, options: { acceptances?: boolean; from?: Replay } = {}): Replay {
  const entries = load(file);
  const lanes = new Map(options.from?.lanes ?? []);
  const steps: Step[] = [];
  let tick = options.from?.tick ?? 0;
  let receipt = 0;
  const fold = (line: number, fact: Fact): void => {
    const before = lanes.get(fact.laneId);
    const after = reduceLane(deepFreeze(before), fact, atOf(++tick));
    if (!after) throw new Error(`${file}:${line} ${fact.type} for a lane that was never created`);
    lanes.set(fact.laneId, after);
    steps.push({ line, fact, lane: after });
  };
  const requests = new Map<string | number, WireMessage>();
  for (const entry of entries) {
    const message = entry.msg;
    if (entry.dir === 'out' && message.method !== undefined && message.id !== undefined) requests.set(message.id, message);
    if (entry.dir !== 'in') continue;
    if (message.method === undefined) {
      const request = message.id === undefined ? undefined : requests.get(message.id);
      if (!request || !message.result) continue;
      const result = message.result;
      if (request.method === 'thread/start' || request.method === 'thread/resume') {
        const threadId = (result['thread'] as { id: string }).id;
        if (!lanes.has(threadId)) fold(entry.line, laneCreated(threadId));
      }
      const threadId = request.params?.['threadId'] as string;
      if (options.acceptances && request.method === 'turn/start') fold(entry.line, { type: 'turnAccepted', laneId: threadId, turnId: (result['turn'] as { id: string }).id, receipt: ++receipt, mode: 'send' });
      if (options.acceptances && request.method === 'turn/steer') fold(entry.line, { type: 'turnAccepted', laneId: threadId, turnId: result['turnId'] as string, receipt: ++receipt, mode: 'steer' });
      continue;
    }
    if (message.id !== undefined) {
      const event = projectServerRequest(message.method, message.id, message.params);
      if (event && event.type !== 'agentMessageDelta') fold(entry.line, event);
      continue;
    }
    for (const event of projectNotification({ method: message.method, params: message.params })) {
      if (event.type !== 'agentMessageDelta') fold(entry.line, event);
    }
  }
  return { lanes, steps, tick };
}

/** What the wire itself says about each thread: its last turn/completed and its last agent text. */
function wireOutcomes(file: string): Map<string, { turn: { id: string; status: string; error: { message: string; codexErrorInfo?: unknown } | null }; lastAgentText: string | null }> {
  const outcomes = new Map<string, { turn: { id: string; status: string; error: { message: string; codexErrorInfo?: unknown } | null }; lastAgentText: string | null }>();
  const lastText = new Map<string, string>();
  for (const { dir, msg } of load(file)) {
    if (dir !== 'in' || msg.id !== undefined) continue;
    const threadId = msg.params?.['threadId'] as string;
    if (msg.method === 'item/completed') {
      const completedItem = msg.params?.['item'] as { type: string; text?: string };
      if (completedItem.type === 'agentMessage' && completedItem.text) lastText.set(threadId, completedItem.text);
    }
    if (msg.method === 'turn/completed') {
      outcomes.set(threadId, { turn: msg.params?.['turn'] as { id: string; status: string; error: { message: string } | null }, lastAgentText: null });
    }
  }
  for (const [threadId, outcome] of outcomes) outcome.lastAgentText = lastText.get(threadId) ?? null;
  return outcomes;
}

const STATUS_AFTER: Record<string, LaneState> = { completed: 'idle', interrupted: 'idle', failed: 'error' };
const ATTENTION_AFTER: Record<string, Attention> = { completed: 'done-unread', interrupted: 'idle', failed: 'failed' };

/** Every thread whose last turn ended ends as that turn left it. */
function expectEndsAsTheWireSays(file: string, result: Replay, except: readonly string[] = []): number {
  let checked = 0;
  for (const [threadId, { turn, lastAgentText }] of wireOutcomes(file)) {
    if (except.includes(threadId)) continue;
    const lane = result.lanes.get(threadId);
    const code = typeof turn.error?.codexErrorInfo === 'string' ? turn.error.codexErrorInfo : undefined;
    expect(lane, `${file} ${threadId}`).toMatchObject({
      status: STATUS_AFTER[turn.status],
      attention: ATTENTION_AFTER[turn.status],
      activeTurnId: null,
      latestTurn: { id: turn.id, status: turn.status, error: turn.error ? { message: turn.error.message, ...(code ? { code } : {}) } : null },
      lastAgentMessage: lastAgentText,
    });
    checked++;
  }
  return checked;
}

/** A lane without its timestamps, which move with every extra fact folded. */
const timeless = (lane: Lane | undefined) => lane && { ...lane, createdAt: null, updatedAt: null, lastEventAt: null, latestTurn: lane.latestTurn && { ...lane.latestTurn, at: null } };
const stepsOf = (result: Replay, laneId: string): Step[] => result.steps.filter((s) => s.fact.laneId === laneId);
const threadIdsOf = (file: string): string[] =>
  load(file)
    .filter((e) => e.dir === 'in' && e.msg.method === undefined && (e.msg.result as { thread?: { id?: string } } | undefined)?.thread?.id !== undefined)
    .map((e) => (e.msg.result as { thread: { id: string } }).thread.id)
    .filter((id, i, all) => all.indexOf(id) === i);

describe('reduceLane over the captured codex streams', () => {
  const WITH_TURNS = ['02-plain-turn.jsonl', '03-tools-approvals.jsonl', '05-filechange.jsonl', '08-errors.jsonl', '09-sse-minimal.jsonl', '10-misc.jsonl'];

  it.each(WITH_TURNS)('%s: every thread ends as its last turn/completed says, with or without dispatch acceptances', (file) => {
    const plain = replay(file);
    expect(expectEndsAsTheWireSays(file, plain)).toBe(threadIdsOf(file).length);
    // dispatch records turnAccepted when turn/start answers (before turn/started): same end state.
    const withAcceptances = replay(file, { acceptances: true });
    expect(withAcceptances.steps.some((s) => s.fact.type === 'turnAccepted')).toBe(true);
    expectEndsAsTheWireSays(file, withAcceptances);
    for (const [id, lane] of plain.lanes) expect(timeless(withAcceptances.lanes.get(id))).toEqual(timeless(lane));
  });

  it('02-plain-turn: idle → busy/working on turn/started → idle/done-unread with the echo, nothing else moves it', () => {
    const result = replay('02-plain-turn.jsonl');
    const [threadId] = threadIdsOf('02-plain-turn.jsonl');
    const steps = stepsOf(result, threadId ?? '');
    expect(steps[0]?.lane).toMatchObject({ status: 'idle', attention: 'idle', latestTurn: null, lastAgentMessage: null, lastEventAt: null });
    const turnStarted = steps.find((s) => s.fact.type === 'turnStarted');
    const turnId = turnStarted?.fact.type === 'turnStarted' ? turnStarted.fact.turnId : 'none';
    expect(turnStarted?.lane).toMatchObject({ status: 'busy', attention: 'working', activeTurnId: turnId, latestTurn: { id: turnId, status: 'inProgress', error: null } });
    // statusChanged idle comes before turn/completed: the lane is idle, but not yet done-unread.
    const idle = steps.find((s) => s.fact.type === 'statusChanged' && s.fact.status === 'idle');
    expect(idle?.lane).toMatchObject({ status: 'idle', attention: 'idle', activeTurnId: turnId });
    const end = steps.at(-1)?.lane;
    expect(end).toEqual({
      ...steps[0]?.lane,
      status: 'idle',
      attention: 'done-unread',
      activeTurnId: null,
      latestTurn: { id: turnId, status: 'completed', error: null, at: steps.at(-1)?.lane.lastEventAt },
      lastAgentMessage: 'Echo: hello there',
      lastEventAt: atOf(result.tick),
    });
    // Token usage is not lane state: it returns the very same lane.
    const usage = steps.find((s) => s.fact.type === 'tokenUsage');
    expect(usage).toBeDefined();
    expect(usage?.lane).toBe(steps[steps.indexOf(usage as Step) - 1]?.lane);
  });

  it('03-tools-approvals: waiting_approval / needs-you while each approval is pending, working again once answered', () => {
    const file = '03-tools-approvals.jsonl';
    const result = replay(file);
    let pending = 0;
    for (const threadId of threadIdsOf(file)) {
      const steps = stepsOf(result, threadId);
      const requestIndex = steps.findIndex((s) => s.fact.type === 'approvalRequested');
      if (requestIndex < 0) continue;
      pending++;
      const turnId = steps.find((s) => s.fact.type === 'turnStarted')?.lane.activeTurnId;
      // codex reports waitingOnApproval just before the request: needs-you from there on.
      const flagged = steps.findIndex((s) => s.fact.type === 'statusChanged' && s.fact.activeFlags.includes('waitingOnApproval'));
      for (const step of steps.slice(flagged, requestIndex + 1)) expect(step.lane, `${threadId} line ${step.line}`).toMatchObject({ status: 'waiting_approval', attention: 'needs-you', activeTurnId: turnId });
      // serverRequest/resolved alone does not end the wait; the active status after it does.
      const resolvedIndex = steps.findIndex((s) => s.fact.type === 'approvalResolved');
      expect(steps[resolvedIndex]?.lane).toMatchObject({ status: 'waiting_approval', attention: 'needs-you' });
      const resumed = steps.slice(resolvedIndex).find((s) => s.fact.type === 'statusChanged' && s.fact.status === 'active');
      expect(resumed?.lane).toMatchObject({ status: 'busy', attention: 'working', activeTurnId: turnId });
    }
    expect(pending).toBe(4);
    const lanes = threadIdsOf(file).map((id) => result.lanes.get(id));
    // accept, accept, decline (the model reports the rejection), accept, accept, cancel (interrupted).
    expect(lanes.map((l) => l?.latestTurn?.status)).toEqual(['completed', 'completed', 'completed', 'completed', 'completed', 'interrupted']);
    expect(lanes[2]?.lastAgentMessage).toContain('Rejected');
    expect(lanes[5]).toMatchObject({ status: 'idle', attention: 'idle', activeTurnId: null, lastAgentMessage: null });
  });

  it('05-filechange: file change approvals make the lane needs-you; every patch lane ends done-unread', () => {
    const file = '05-filechange.jsonl';
    const result = replay(file);
    const requested = result.steps.filter((s) => s.fact.type === 'approvalRequested');
    expect(requested).toHaveLength(3);
    for (const step of requested) expect(step.lane).toMatchObject({ status: 'waiting_approval', attention: 'needs-you' });
    expect(threadIdsOf(file).map((id) => result.lanes.get(id)?.attention)).toEqual(Array.from({ length: 5 }, () => 'done-unread'));
    expect(result.lanes.get(threadIdsOf(file)[2] ?? '')?.lastAgentMessage).toBe('DONE: patch rejected by user');
  });

  it('08-errors: systemError marks the lane failed at once, the error notification names the turn, a good turn clears it', () => {
    const file = '08-errors.jsonl';
    const result = replay(file);
    const [threadId = ''] = threadIdsOf(file);
    const steps = stepsOf(result, threadId);
    const failures = steps.filter((s) => s.fact.type === 'turnCompleted' && s.fact.outcome === 'failed');
    expect(failures).toHaveLength(4);
    for (const failure of failures) {
      const index = steps.indexOf(failure);
      const turnId = (failure.fact as { turnId: string }).turnId;
      // statusChanged systemError, then the `error` notification, then turn/completed failed.
      expect(steps[index - 2]?.lane).toMatchObject({ status: 'error', attention: 'failed', activeTurnId: turnId, latestTurn: { id: turnId, status: 'inProgress', error: null } });
      const message = (steps[index - 1]?.fact as { error: { message: string } }).error.message;
      expect(steps[index - 1]?.lane).toMatchObject({ status: 'error', attention: 'failed', latestTurn: { id: turnId, status: 'failed', error: { message } } });
      expect(failure.lane).toMatchObject({ status: 'error', attention: 'failed', activeTurnId: null, latestTurn: { id: turnId, status: 'failed', error: { message } } });
      // The next turn starts from the failed lane.
      expect(steps.slice(index).find((s) => s.fact.type === 'turnStarted')?.lane).toMatchObject({ status: 'busy', attention: 'working', latestTurn: { status: 'inProgress', error: null } });
    }
    expect(failures.map((f) => f.lane.latestTurn?.error?.code)).toEqual(['other', 'internalServerError', 'other', 'other']);
    expect(result.lanes.get(threadId)).toMatchObject({ status: 'idle', attention: 'done-unread', latestTurn: { status: 'completed', error: null }, lastAgentMessage: 'Echo: hello again' });
  });

  it('10-misc: interrupting a turn that waits on an approval leaves the lane idle (not done-unread); the late resolution changes nothing', () => {
    const file = '10-misc.jsonl';
    const result = replay(file);
    const steps = stepsOf(result, threadIdsOf(file)[0] ?? '');
    const interrupted = steps.findIndex((s) => s.fact.type === 'turnCompleted' && s.fact.outcome === 'interrupted');
    expect(steps[interrupted - 2]?.lane).toMatchObject({ status: 'waiting_approval', attention: 'needs-you' });
    expect(steps[interrupted]?.lane).toMatchObject({ status: 'idle', attention: 'idle', activeTurnId: null, latestTurn: { status: 'interrupted', error: null } });
    const late = steps[interrupted + 1];
    expect(late?.fact.type).toBe('approvalResolved');
    expect({ ...late?.lane, lastEventAt: null }).toEqual({ ...steps[interrupted]?.lane, lastEventAt: null });
    expect(result.lanes.get(threadIdsOf(file)[0] ?? '')).toMatchObject({ status: 'idle', attention: 'done-unread', lastAgentMessage: 'Echo: hi' });
  });

  it('04a + 04b: steer, interrupts, SIGKILL mid-turn; dispatch records the lost turn; after the restart a resumed lane works again', () => {
    const killedRun = replay('04a-steer-interrupt-kill.jsonl', { acceptances: true });
    const [steered = '', interrupted, hung, killed = ''] = threadIdsOf('04a-steer-interrupt-kill.jsonl');
    // The steer's acceptance changed nothing; the steered turn completed with the steered text.
    const steer = killedRun.steps.find((s) => s.fact.type === 'turnAccepted' && s.fact.mode === 'steer');
    expect(steer?.lane).toBe(killedRun.steps[killedRun.steps.indexOf(steer as Step) - 1]?.lane);
    expect(killedRun.lanes.get(steered)).toMatchObject({ status: 'idle', attention: 'done-unread', lastAgentMessage: 'Echo: steered input', latestTurn: { status: 'completed' } });
    for (const id of [interrupted, hung]) expect(killedRun.lanes.get(id ?? '')).toMatchObject({ status: 'idle', attention: 'idle', activeTurnId: null, latestTurn: { status: 'interrupted', error: null } });
    // The killed turn never completed: the lane is still busy with it.
    const running = killedRun.lanes.get(killed);
    expect(running).toMatchObject({ status: 'busy', attention: 'working', latestTurn: { status: 'inProgress' } });
    const lostTurn = running?.activeTurnId ?? '';
    expect(lostTurn).not.toBe('');

    // What recovery records for it when the app-server is gone.
    const lost = reduceLane(running, { type: 'turnLost', laneId: killed, turnId: lostTurn, error: { message: 'codex app-server exited', code: 'app_server_exit' } }, atOf(++killedRun.tick));
    expect(lost).toMatchObject({ status: 'error', attention: 'failed', activeTurnId: null, latestTurn: { id: lostTurn, status: 'failed', error: { message: 'codex app-server exited', code: 'app_server_exit' } } });
    killedRun.lanes.set(killed, lost as Lane);

    const resumed = replay('04b-restart-resume.jsonl', { acceptances: true, from: killedRun });
    // Resuming reports idle: the lane that lost its turn stays failed until a turn runs on it.
    expect(resumed.lanes.get(killed)).toMatchObject({ status: 'error', attention: 'failed', latestTurn: { id: lostTurn, status: 'failed' } });
    expect(resumed.lanes.get(steered)).toMatchObject({ status: 'idle', attention: 'done-unread', activeTurnId: null, latestTurn: { status: 'completed', error: null }, lastAgentMessage: 'Echo: after resume' });
    expect(expectEndsAsTheWireSays('04b-restart-resume.jsonl', resumed)).toBe(1);
  });
});

// ---------------------------------------------------------------------------------------------
// Hand-written sequences for what the captures do not show.

describe('reduceLane sequences', () => {
  it("a lane created with a worktree keeps it; laneWorktreeChanged replaces it, even while the lane is archived", () => {
    const worktree = { repo: '/r', path: '/r.worktrees/w', branch: 'dispatch/w', base: 'main' };
    const created = reduceLane(undefined, laneCreated('W', { worktree }), atOf(0));
    expect(created?.worktree).toEqual(worktree);
    expect(reduceLane(undefined, laneCreated('P'), atOf(0))?.worktree).toBeNull();
    const archived = reduceLane(created, { type: 'laneArchived', laneId: 'W' }, atOf(1));
    const cleared = reduceLane(archived, { type: 'laneWorktreeChanged', laneId: 'W', worktree: null }, atOf(2));
    expect(cleared).toMatchObject({ status: 'archived', worktree: null });
    expect(reduceLane(cleared, { type: 'laneWorktreeChanged', laneId: 'W', worktree: null }, atOf(3))).toBe(cleared);
  });

  it('a crash mid-turn: turnStarted → turnLost gives the error and a failed lane', () => {
    const f = folder();
    f.apply(started('T1'));
    const lane = f.apply({ type: 'turnLost', laneId: 'L', turnId: 'T1', error: { message: 'dispatchd stopped during the turn', code: 'daemon_exit' } });
    expect(lane).toMatchObject({ status: 'error', attention: 'failed', activeTurnId: null, latestTurn: { id: 'T1', status: 'failed', error: { message: 'dispatchd stopped during the turn', code: 'daemon_exit' }, at: f.at() } });
  });

  it('a lost turn whose failure has no code keeps no code', () => {
    const f = folder();
    f.apply(started('T1'));
    expect(f.apply({ type: 'turnLost', laneId: 'L', turnId: 'T1', error: { message: 'gone' } }).latestTurn?.error).toEqual({ message: 'gone' });
  });

  it('steer: an accepted steer changes nothing, neither mid-turn nor after it', () => {
    const f = folder();
    const busy = f.apply(started('T1'));
    expect(f.apply(accepted('T1', 'steer'))).toBe(busy);
    f.apply(completed('T1', 'completed'));
    const done = f.lane();
    expect(f.apply(accepted('T1', 'steer'))).toBe(done);
  });

  it('a send accepted before its turn/started arrives marks the lane busy with that turn', () => {
    const f = folder();
    const lane = f.apply(accepted('T1', 'send'));
    expect(lane).toMatchObject({ status: 'busy', attention: 'working', activeTurnId: 'T1', latestTurn: { id: 'T1', status: 'inProgress', error: null } });
    // turn/started then confirms it.
    expect(f.apply(started('T1'))).toMatchObject({ status: 'busy', activeTurnId: 'T1', latestTurn: { id: 'T1', status: 'inProgress' } });
    expect(f.apply(completed('T1', 'completed'))).toMatchObject({ status: 'idle', attention: 'done-unread', activeTurnId: null });
  });

  it('a turn that started and completed before its acceptance is not revived by it', () => {
    const f = folder();
    f.apply(started('T1'), status('idle'), completed('T1', 'completed', { lastAgentMessage: 'done' }));
    const done = f.lane();
    for (const mode of ['send', 'queue', 'interject'] as const) expect(f.apply(accepted('T1', mode))).toBe(done);
  });

  it('a late acceptance of a turn never takes over from the newer turn already running', () => {
    // T1's turn/start answer is read after T1 ended and a goal continuation T2 started.
    const f = folder();
    f.apply(started('T1'), status('idle'), completed('T1', 'completed'), started('T2'));
    const running = f.lane();
    expect(f.apply(accepted('T1'))).toBe(running);
    expect(f.apply(status('idle'), completed('T2', 'completed'))).toMatchObject({ status: 'idle', attention: 'done-unread', activeTurnId: null, latestTurn: { id: 'T2', status: 'completed' } });
  });

  it('interrupt with a pending approval: waiting_approval → interrupted → idle; the resolution after it changes nothing wrong', () => {
    const f = folder();
    f.apply(accepted('T1'), started('T1'), status('active', ['waitingOnApproval']));
    expect(f.apply(approval('T1', 0))).toMatchObject({ status: 'waiting_approval', attention: 'needs-you', activeTurnId: 'T1' });
    f.apply(status('idle'));
    const interrupted = f.apply(completed('T1', 'interrupted'));
    expect(interrupted).toMatchObject({ status: 'idle', attention: 'idle', activeTurnId: null, latestTurn: { id: 'T1', status: 'interrupted', error: null } });
    const after = f.apply(resolved(0));
    expect(after).toEqual({ ...interrupted, lastEventAt: f.at() });
  });

  it('restart with a busy lane: the turn is lost, and a new turn then runs and completes normally', () => {
    const f = folder();
    f.apply(accepted('T1'), started('T1'), agentSaid('T1', 'halfway'));
    f.apply({ type: 'turnLost', laneId: 'L', turnId: 'T1', error: { message: 'codex app-server exited', code: 'app_server_exit' } });
    // The resumed thread reports idle: the lane stays failed until a turn runs.
    expect(f.apply(status('idle'))).toMatchObject({ status: 'error', attention: 'failed' });
    expect(f.apply(accepted('T2'))).toMatchObject({ status: 'busy', attention: 'working', activeTurnId: 'T2', latestTurn: { id: 'T2', status: 'inProgress', error: null } });
    f.apply(started('T2'), agentSaid('T2', 'all done'), status('idle'));
    expect(f.apply(completed('T2', 'completed', { lastAgentMessage: 'all done' }))).toMatchObject({
      status: 'idle',
      attention: 'done-unread',
      activeTurnId: null,
      latestTurn: { id: 'T2', status: 'completed', error: null },
      lastAgentMessage: 'all done',
    });
  });

  it("a lost turn the history shows completed: turnRecovered makes it the completed latest turn with its reply, unread", () => {
    const f = folder();
    f.apply(accepted('T1'), started('T1'), agentSaid('T1', 'halfway'));
    f.apply({ type: 'turnLost', laneId: 'L', turnId: 'T1', error: { message: 'dispatchd stopped during the turn', code: 'daemon_exit' } });
    expect(f.apply({ type: 'turnRecovered', laneId: 'L', turnId: 'T1', lastAgentMessage: 'finished while you were away' })).toMatchObject({
      status: 'idle',
      attention: 'done-unread',
      activeTurnId: null,
      latestTurn: { id: 'T1', status: 'completed', error: null, at: f.at() },
      lastAgentMessage: 'finished while you were away',
    });
    // Without a saved reply the last message seen stays.
    const g = folder();
    g.apply(started('T1'), agentSaid('T1', 'halfway'), { type: 'turnLost', laneId: 'L', turnId: 'T1', error: { message: 'gone' } });
    expect(g.apply({ type: 'turnRecovered', laneId: 'L', turnId: 'T1' })).toMatchObject({ latestTurn: { id: 'T1', status: 'completed' }, lastAgentMessage: 'halfway' });
  });

  it('turnRecovered of a turn that is no longer the latest, or while another turn runs, changes nothing', () => {
    const f = folder();
    f.apply(started('T1'), { type: 'turnLost', laneId: 'L', turnId: 'T1', error: { message: 'gone' } }, accepted('T2'), started('T2'));
    const running = f.lane();
    expect(f.apply({ type: 'turnRecovered', laneId: 'L', turnId: 'T1', lastAgentMessage: 'old' })).toBe(running);
    f.apply(completed('T2', 'completed', { lastAgentMessage: 'new' }));
    const done = f.lane();
    expect(f.apply({ type: 'turnRecovered', laneId: 'L', turnId: 'T1', lastAgentMessage: 'old' })).toBe(done);
  });

  it('a late completion of an old turn never overwrites the newer running turn', () => {
    const f = folder();
    f.apply(started('T1'), agentSaid('T1', 'old answer'), status('idle'));
    // The queue starts T2 on the idle status, before T1's turn/completed arrives.
    f.apply(accepted('T2'), started('T2'), agentSaid('T2', 'new answer'));
    const late = f.apply(completed('T1', 'completed', { lastAgentMessage: 'old answer' }));
    expect(late).toMatchObject({ status: 'busy', attention: 'working', activeTurnId: 'T2', latestTurn: { id: 'T2', status: 'inProgress' }, lastAgentMessage: 'new answer' });
    expect(f.apply(completed('T1', 'failed', { error: { message: 'late' } }))).toMatchObject({ status: 'busy', activeTurnId: 'T2', latestTurn: { id: 'T2', status: 'inProgress', error: null } });
  });

  it('a late error of an old turn never marks the newer running turn failed', () => {
    const f = folder();
    f.apply(started('T1'), status('idle'), accepted('T2'), started('T2'));
    const lane = f.apply({ type: 'turnError', laneId: 'L', turnId: 'T1', error: { message: 'old failure' }, willRetry: false });
    expect(lane).toMatchObject({ status: 'busy', activeTurnId: 'T2', latestTurn: { id: 'T2', status: 'inProgress', error: null } });
  });

  it('retry errors show on the running turn and are cleared by the next item', () => {
    const f = folder();
    f.apply(started('T1'));
    const retrying = { message: 'Reconnecting... 2/5', code: 'responseStreamDisconnected', details: 'Connection refused' };
    const shown = f.apply({ type: 'turnError', laneId: 'L', turnId: 'T1', error: retrying, willRetry: true });
    expect(shown).toMatchObject({ status: 'busy', attention: 'working', activeTurnId: 'T1', latestTurn: { id: 'T1', status: 'inProgress', error: retrying } });
    const cleared = f.apply({ type: 'itemStarted', laneId: 'L', turnId: 'T1', item: item('i1', 'agentMessage', '') });
    expect(cleared).toMatchObject({ status: 'busy', latestTurn: { id: 'T1', status: 'inProgress', error: null, at: f.at() } });
    // A second item changes only the event time.
    expect(f.apply({ type: 'itemStarted', laneId: 'L', turnId: 'T1', item: item('i2', 'commandExecution') })).toEqual({ ...cleared, lastEventAt: f.at() });
    // A retry notice for a turn that is not running changes no turn.
    expect(f.apply({ type: 'turnError', laneId: 'L', turnId: 'T0', error: retrying, willRetry: true }).latestTurn).toMatchObject({ id: 'T1', error: null });
  });

  it('an archived lane ignores codex facts until it is restored; it can still be renamed', () => {
    const f = folder();
    f.apply(started('T1'), completed('T1', 'completed'));
    const archived = f.apply({ type: 'laneArchived', laneId: 'L' });
    expect(archived).toMatchObject({ status: 'archived', attention: 'idle', activeTurnId: null });
    for (const fact of [started('T2'), status('active'), approval('T2', 3), completed('T2', 'failed'), agentSaid('T2', 'x'), { type: 'laneRead', laneId: 'L' } as Fact, { type: 'laneLost', laneId: 'L', reason: 'r' } as Fact]) {
      expect(f.apply(fact), fact.type).toBe(archived);
    }
    const renamed = f.apply({ type: 'laneRenamed', laneId: 'L', from: '@L', handle: '@kept' });
    expect(renamed).toEqual({ ...archived, handle: '@kept' });
    expect(f.apply({ type: 'laneRestored', laneId: 'L' })).toMatchObject({ status: 'idle', attention: 'idle', handle: '@kept' });
    expect(f.apply(started('T3'))).toMatchObject({ status: 'busy', activeTurnId: 'T3' });
    // Restoring a lane that is not archived changes nothing.
    const busy = f.lane();
    expect(f.apply({ type: 'laneRestored', laneId: 'L' })).toBe(busy);
  });

  it('rename changes only the handle; renaming to the same handle returns the same lane', () => {
    const f = folder();
    const before = f.apply(started('T1'));
    const renamed = f.apply({ type: 'laneRenamed', laneId: 'L', from: '@L', handle: '@new' });
    expect(renamed).toEqual({ ...before, handle: '@new' });
    expect(f.apply({ type: 'laneRenamed', laneId: 'L', from: '@new', handle: '@new' })).toBe(renamed);
  });

  it('rollback sets the latest turn and agent message the thread has left, idle', () => {
    const f = folder();
    f.apply(started('T1'), agentSaid('T1', 'one'), completed('T1', 'completed'), started('T2'), agentSaid('T2', 'two'), completed('T2', 'failed', { error: { message: 'boom' } }));
    const rolled = f.apply({ type: 'laneRolledBack', laneId: 'L', droppedTurns: 1, latestTurn: { id: 'T1', status: 'completed', error: null }, lastAgentMessage: 'one' });
    expect(rolled).toMatchObject({ status: 'idle', attention: 'idle', activeTurnId: null, latestTurn: { id: 'T1', status: 'completed', error: null, at: f.at() }, lastAgentMessage: 'one' });
    const empty = f.apply({ type: 'laneRolledBack', laneId: 'L', droppedTurns: 1, latestTurn: null, lastAgentMessage: null });
    expect(empty).toMatchObject({ status: 'idle', latestTurn: null, lastAgentMessage: null });
  });

  it('laneRead clears done-unread and nothing else', () => {
    const f = folder();
    f.apply(started('T1'), completed('T1', 'completed', { lastAgentMessage: 'hi' }));
    const unread = f.lane();
    expect(unread.attention).toBe('done-unread');
    const read = f.apply({ type: 'laneRead', laneId: 'L' });
    expect(read).toEqual({ ...unread, attention: 'idle' });
    expect(f.apply({ type: 'laneRead', laneId: 'L' })).toBe(read);
    // Read on a failed, a busy or a waiting lane leaves its attention alone.
    f.apply(started('T2'), completed('T2', 'failed', { error: { message: 'x' } }));
    const failed = f.lane();
    expect(f.apply({ type: 'laneRead', laneId: 'L' })).toBe(failed);
    const busy = f.apply(started('T3'));
    expect(f.apply({ type: 'laneRead', laneId: 'L' })).toBe(busy);
    const waiting = f.apply(approval('T3', 1));
    expect(f.apply({ type: 'laneRead', laneId: 'L' })).toBe(waiting);
  });

  it('laneLost fails the lane and drops its running turn', () => {
    const f = folder('E', { ephemeral: true });
    f.apply(started('T1', 'E'));
    const lost = f.apply({ type: 'laneLost', laneId: 'E', reason: 'an ephemeral thread does not survive an app-server restart' });
    expect(lost).toMatchObject({ status: 'error', attention: 'failed', activeTurnId: null, latestTurn: { id: 'T1', status: 'inProgress' } });
  });

  it('facts that are not lane state return the same lane', () => {
    const f = folder();
    const lane = f.apply(started('T1'));
    const inert: Fact[] = [
      { type: 'tokenUsage', laneId: 'L', turnId: 'T1', totalTokens: 10, lastTokens: 5, contextWindow: null },
      { type: 'deliveryChanged', laneId: 'L', receipt: 1, mode: 'send', state: 'accepted', turnId: 'T1' },
      { type: 'triggerFired', laneId: 'L', triggerId: 'tr', event: 'turn_completed', outcome: 'sent', receipt: 2 },
      { type: 'inboxItem', laneId: 'L', item: 1, triggerId: null, event: 'lane_done' },
      laneCreated('L', { handle: '@other', status: 'busy' }),
    ];
    for (const fact of inert) expect(f.apply(fact), fact.type).toBe(lane);
  });

  it('a fact about a lane that does not exist gives no lane; laneCreated makes one as the fact says', () => {
    expect(reduceLane(undefined, started('T1', 'nobody'), atOf(1))).toBeUndefined();
    expect(reduceLane(undefined, { type: 'laneRenamed', laneId: 'nobody', from: '@a', handle: '@b' }, atOf(1))).toBeUndefined();
    const attached = reduceLane(undefined, laneCreated('A', { source: 'attached', status: 'busy', cwd: null, ephemeral: true, by: 'lane.attach' }), atOf(7));
    expect(attached).toEqual({
      id: 'A',
      handle: '@A',
      source: 'attached',
      cwd: null,
      status: 'busy',
      attention: 'working',
      activeTurnId: null,
      settings: SETTINGS,
      ephemeral: true,
      latestTurn: null,
      lastAgentMessage: null,
      worktree: null,
      createdAt: atOf(7),
      updatedAt: atOf(7),
      lastEventAt: null,
    });
    // An attached lane that was running ends with whatever turn completes first.
    expect(reduceLane(attached, completed('TX', 'completed', {}, 'A'), atOf(8))).toMatchObject({ status: 'idle', attention: 'done-unread', latestTurn: { id: 'TX', status: 'completed' } });
  });
});

// ---------------------------------------------------------------------------------------------

describe('attention: each transition', () => {
  const cases: Array<{ name: string; setup: Fact[]; fact: Fact; from: Attention; to: Attention }> = [
    { name: 'idle → working on turn/started', setup: [], fact: started('T1'), from: 'idle', to: 'working' },
    { name: 'idle → working on an accepted send', setup: [], fact: accepted('T1'), from: 'idle', to: 'working' },
    { name: 'done-unread → working on the next turn', setup: [started('T0'), completed('T0', 'completed')], fact: started('T1'), from: 'done-unread', to: 'working' },
    { name: 'failed → working on the next turn', setup: [started('T0'), completed('T0', 'failed')], fact: started('T1'), from: 'failed', to: 'working' },
    { name: 'needs-you → working once the approval is answered', setup: [started('T1'), status('active', ['waitingOnApproval'])], fact: status('active'), from: 'needs-you', to: 'working' },
    { name: 'working → needs-you on waitingOnApproval', setup: [started('T1')], fact: status('active', ['waitingOnApproval']), from: 'working', to: 'needs-you' },
    { name: 'working → needs-you on waitingOnUserInput', setup: [started('T1')], fact: status('active', ['waitingOnUserInput']), from: 'working', to: 'needs-you' },
    { name: 'working → needs-you on an approval request', setup: [started('T1')], fact: approval('T1', 1), from: 'working', to: 'needs-you' },
    { name: 'working → failed on systemError', setup: [started('T1')], fact: status('systemError'), from: 'working', to: 'failed' },
    { name: 'working → failed on a failed turn', setup: [started('T1')], fact: completed('T1', 'failed', { error: { message: 'x' } }), from: 'working', to: 'failed' },
    { name: 'working → failed on a lost turn', setup: [started('T1')], fact: { type: 'turnLost', laneId: 'L', turnId: 'T1', error: { message: 'gone' } }, from: 'working', to: 'failed' },
    { name: 'idle → failed on a lost lane', setup: [], fact: { type: 'laneLost', laneId: 'L', reason: 'r' }, from: 'idle', to: 'failed' },
    { name: 'working → done-unread on a completed turn', setup: [started('T1')], fact: completed('T1', 'completed'), from: 'working', to: 'done-unread' },
    { name: 'needs-you → idle on an interrupted turn', setup: [started('T1'), approval('T1', 1)], fact: completed('T1', 'interrupted'), from: 'needs-you', to: 'idle' },
    { name: 'working → idle on thread idle (before turn/completed)', setup: [started('T1')], fact: status('idle'), from: 'working', to: 'idle' },
    { name: 'done-unread → idle when read', setup: [started('T1'), completed('T1', 'completed')], fact: { type: 'laneRead', laneId: 'L' }, from: 'done-unread', to: 'idle' },
    { name: 'done-unread stays on a later thread idle', setup: [started('T1'), completed('T1', 'completed')], fact: status('idle'), from: 'done-unread', to: 'done-unread' },
    { name: 'failed stays on a later thread idle', setup: [started('T1'), completed('T1', 'failed')], fact: status('idle'), from: 'failed', to: 'failed' },
    { name: 'done-unread → idle on rollback', setup: [started('T1'), completed('T1', 'completed')], fact: { type: 'laneRolledBack', laneId: 'L', droppedTurns: 1, latestTurn: null, lastAgentMessage: null }, from: 'done-unread', to: 'idle' },
    { name: 'failed → idle when archived', setup: [started('T1'), completed('T1', 'failed')], fact: { type: 'laneArchived', laneId: 'L' }, from: 'failed', to: 'idle' },
    { name: 'working → idle when archived mid-turn', setup: [started('T1')], fact: { type: 'laneArchived', laneId: 'L' }, from: 'working', to: 'idle' },
  ];

  it.each(cases)('$name', ({ setup, fact, from, to }) => {
    const f = folder();
    expect(f.apply(...setup).attention).toBe(from);
    expect(f.apply(fact).attention).toBe(to);
  });

  it('a lane is created with the attention its status implies', () => {
    expect(reduceLane(undefined, laneCreated('A'), atOf(0))?.attention).toBe('idle');
    expect(reduceLane(undefined, laneCreated('A', { status: 'busy', source: 'attached' }), atOf(0))?.attention).toBe('working');
  });
});

describe('purity', () => {
  it('never mutates the lane it is given, for any fact of the captures or the sequences', () => {
    // Every fold above runs on deep-frozen lanes (a mutation would throw); check one by value too.
    const f = folder();
    const lane = f.apply(started('T1'), agentSaid('T1', 'hi'));
    const copy = structuredClone(lane);
    for (const fact of [completed('T1', 'completed'), approval('T1', 4), { type: 'laneRenamed', laneId: 'L', from: '@L', handle: '@x' } as Fact, status('systemError')]) {
      const next = reduceLane(lane, fact, atOf(100));
      expect(next).not.toBe(lane);
      expect(lane).toEqual(copy);
    }
  });

  it('is deterministic: the same facts at the same times fold to equal lanes', () => {
    const a = replay('03-tools-approvals.jsonl', { acceptances: true });
    const b = replay('03-tools-approvals.jsonl', { acceptances: true });
    expect([...a.lanes]).toEqual([...b.lanes]);
  });

  it('a fact that changes nothing returns the same object', () => {
    const f = folder();
    const idle = f.lane();
    expect(reduceLane(idle, { type: 'laneRead', laneId: 'L' }, atOf(50))).toBe(idle);
    expect(reduceLane(idle, { type: 'laneRestored', laneId: 'L' }, atOf(50))).toBe(idle);
    expect(reduceLane(idle, accepted('T9', 'steer'), atOf(50))).toBe(idle);
    const busy = f.apply(started('T1'));
    // Same status, same time: nothing to change.
    expect(reduceLane(busy, status('active'), busy.lastEventAt ?? '')).toBe(busy);
  });
});
