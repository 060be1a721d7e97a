import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { Disposable } from '../../src/core/context.js';
import type { LaneEvent } from '../../src/core/laneEvents.js';
import type { TurnSettings } from '../../src/core/model.js';
import type { AppServer } from '../../src/core/ports.js';
import { nextEvent as waitForEvent } from '../helpers/laneEvents.js';

/** One implementation of the AppServer port with the event feed its turns report on. */
export interface AppServerSubject {
  appServer: AppServer;
  onEvent(listener: (event: LaneEvent) => void): Disposable;
  /** A directory threads may use as cwd. */
  workspace: string;
  close(): Promise<void>;
}

const SETTINGS: TurnSettings = { sandbox: 'read-only', approvalPolicy: 'never' };

/**
 * The AppServer port's conformance suite: the behaviours core (deliveries, recovery, triggers)
 * relies on. It runs against the real adapter on the real codex binary and against the fake
 * core's unit tests use, so the fake cannot drift from codex unnoticed.
 */
export function runAppServerSuite(open: () => Promise<AppServerSubject>): void {
  let subject: AppServerSubject;
  let app: AppServer;

  beforeAll(async () => {
    subject = await open();
    app = subject.appServer;
  });
  afterAll(async () => subject?.close());

  const nextEvent = (predicate: (e: LaneEvent) => boolean, timeoutMs = 30_000): Promise<LaneEvent> => waitForEvent(subject, predicate, timeoutMs);

  const completedOn = (laneId: string) => (e: LaneEvent) => e.type === 'turnCompleted' && e.laneId === laneId;

  async function newThread(ephemeral = false): Promise<string> {
    return (await app.startThread({ cwd: subject.workspace, settings: SETTINGS, ephemeral })).threadId;
  }

  async function runTurn(threadId: string, text: string, clientUserMessageId?: string) {
    const done = nextEvent(completedOn(threadId));
    const { turnId } = await app.startTurn(threadId, { text, cwd: subject.workspace, settings: SETTINGS, ...(clientUserMessageId ? { clientUserMessageId } : {}) });
    return { turnId, completed: (await done) as Extract<LaneEvent, { type: 'turnCompleted' }> };
  }

  /** Starts a turn that streams for seconds and resolves once it is visibly running. */
  async function startSlowTurn(threadId: string): Promise<{ turnId: string; done: Promise<LaneEvent> }> {
    const streaming = nextEvent((e) => e.type === 'agentMessageDelta' && e.laneId === threadId);
    const done = nextEvent(completedOn(threadId));
    const { turnId } = await app.startTurn(threadId, { text: '@sim slow 50x100\n@sim reply This reply is slow.', cwd: subject.workspace, settings: SETTINGS });
    await streaming;
    return { turnId, done };
  }

  it('starts a thread in the given cwd and reads it back idle, without turns loaded', async () => {
    const { threadId, cwd } = await app.startThread({ cwd: subject.workspace, settings: SETTINGS, ephemeral: true });
    expect(cwd).toBe(subject.workspace);
    const read = await app.readThread(threadId);
    expect(read).toMatchObject({ id: threadId, cwd: subject.workspace, status: 'idle', ephemeral: true, name: null, forkedFromId: null });
  });

  it('runs a turn: turn/start answers with the turn id, events follow in order and end with turnCompleted', async () => {
    const threadId = await newThread(true);
    const events: LaneEvent[] = [];
    const sub = subject.onEvent((e) => {
      if (e.laneId === threadId) events.push(e);
    });
    const { turnId, completed } = await runTurn(threadId, '@sim reply Scripted hello.');
    sub.dispose();
    expect(completed).toMatchObject({ turnId, outcome: 'completed', lastAgentMessage: 'Scripted hello.' });
    const types = events.map((e) => e.type);
    expect(types.filter((t) => t === 'turnStarted')).toHaveLength(1);
    expect(types.indexOf('turnStarted')).toBeLessThan(types.indexOf('itemCompleted'));
    expect(types.at(-1)).toBe('turnCompleted');
    const idle = events.findIndex((e) => e.type === 'statusChanged' && e.status === 'idle');
    expect(idle).toBeGreaterThan(types.indexOf('turnStarted'));
    expect(events.find((e) => e.type === 'turnStarted')).toMatchObject({ turnId });
    expect((await app.readThread(threadId)).status).toBe('idle');
  });

  it('keeps the user message with its client id and the agent message in the persisted turns', async () => {
    const threadId = await newThread();
    const clientId = randomUUID();
    const { turnId } = await runTurn(threadId, '@sim reply kept', clientId);
    const turns = await app.listTurns(threadId, { limit: 50 });
    expect(turns.map((t) => ({ id: t.id, status: t.status, error: t.error }))).toEqual([{ id: turnId, status: 'completed', error: null }]);
    expect(turns[0]?.items.map((i) => i.type)).toEqual(['userMessage', 'agentMessage']);
    expect(turns[0]?.items[0]).toMatchObject({ type: 'userMessage', text: '@sim reply kept', clientId });
    expect(turns[0]?.items[1]).toMatchObject({ type: 'agentMessage', text: 'kept' });
  });

  it('reports a model failure as a failed turn carrying its message', async () => {
    const threadId = await newThread(true);
    const { completed } = await runTurn(threadId, '@sim fail the model fell over');
    expect(completed.outcome).toBe('failed');
    expect(completed.error?.message).toContain('the model fell over');
  });

  it('steers the running turn only with its id; the steered input is answered in the same turn', async () => {
    const threadId = await newThread(true);
    const { turnId, done } = await startSlowTurn(threadId);
    await expect(app.steerTurn(threadId, { expectedTurnId: 'not-the-turn', text: 'nope' })).rejects.toMatchObject({ code: 'app_server' });
    expect(await app.steerTurn(threadId, { expectedTurnId: turnId, text: 'steered input' })).toEqual({ turnId });
    expect(await done).toMatchObject({ turnId, outcome: 'completed', lastAgentMessage: 'Echo: steered input' });
  });

  it('refuses to steer a thread with no running turn', async () => {
    const threadId = await newThread(true);
    const { turnId } = await runTurn(threadId, '@sim reply done');
    await expect(app.steerTurn(threadId, { expectedTurnId: turnId, text: 'too late' })).rejects.toMatchObject({ code: 'app_server' });
  });

  it('interrupts the running turn (turnCompleted interrupted); interrupting it again is an error', async () => {
    const threadId = await newThread(true);
    const { turnId, done } = await startSlowTurn(threadId);
    await app.interruptTurn(threadId, turnId);
    expect(await done).toMatchObject({ turnId, outcome: 'interrupted' });
    await expect(app.interruptTurn(threadId, turnId)).rejects.toMatchObject({ code: 'app_server' });
  });

  it('keeps a hanging turn running (thread active) until it is interrupted', async () => {
    const threadId = await newThread();
    const started = nextEvent((e) => e.type === 'turnStarted' && e.laneId === threadId);
    const done = nextEvent(completedOn(threadId));
    const { turnId } = await app.startTurn(threadId, { text: '@sim hang', cwd: subject.workspace, settings: SETTINGS });
    await started;
    expect((await app.readThread(threadId)).status).toBe('active');
    await app.interruptTurn(threadId, turnId);
    expect(await done).toMatchObject({ turnId, outcome: 'interrupted' });
    expect((await app.listTurns(threadId)).map((t) => ({ id: t.id, status: t.status }))).toEqual([{ id: turnId, status: 'interrupted' }]);
  });

  it('lists a persisted thread only once it has a turn, resumes and names it', async () => {
    const threadId = await newThread();
    // codex lists a thread only once it has a user message.
    expect((await app.listThreads({ limit: 100 })).threads.map((t) => t.id)).not.toContain(threadId);
    await runTurn(threadId, '@sim reply listed');
    expect(await app.resumeThread(threadId)).toMatchObject({ id: threadId, cwd: subject.workspace });
    const { threads } = await app.listThreads({ limit: 100 });
    expect(threads.find((t) => t.id === threadId)).toMatchObject({ id: threadId, preview: '@sim reply listed' });
    await app.setName(threadId, 'named lane');
    expect((await app.readThread(threadId)).name).toBe('named lane');
  });

  it('has no persisted turns to list for an ephemeral thread (app_server error)', async () => {
    const threadId = await newThread(true);
    await runTurn(threadId, '@sim reply gone with the process');
    await expect(app.listTurns(threadId)).rejects.toMatchObject({ code: 'app_server' });
  });

  it('answers every call on an unknown thread with an app_server error', async () => {
    const unknown = randomUUID();
    await expect(app.readThread(unknown)).rejects.toMatchObject({ code: 'app_server' });
    await expect(app.resumeThread(unknown)).rejects.toMatchObject({ code: 'app_server' });
    await expect(app.startTurn(unknown, { text: 'hi', cwd: subject.workspace, settings: SETTINGS })).rejects.toMatchObject({ code: 'app_server' });
    await expect(app.steerTurn(unknown, { expectedTurnId: 'x', text: 'hi' })).rejects.toMatchObject({ code: 'app_server' });
    await expect(app.interruptTurn(unknown, 'x')).rejects.toMatchObject({ code: 'app_server' });
  });
}
