import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { textInput } from '../../src/codex/client.js';
import type { CodexClient } from '../../src/codex/client.js';
import { DispatchError } from '../../src/shared/errors.js';
import { isTurnCompleted, nextEvent, recordEvents, startCodexHarness, type CodexHarness } from '../helpers/codexHarness.js';

// These run the real pinned `codex app-server` against the simulated provider: nothing is faked.
describe('codex client against the real app-server', () => {
  let harness: CodexHarness;
  let client: CodexClient;

  beforeAll(async () => {
    harness = await startCodexHarness();
    const started = performance.now();
    client = await harness.spawn();
    console.log(`app-server cold start (spawn → initialize answered): ${(performance.now() - started).toFixed(0)} ms`);
  });
  afterAll(async () => harness?.close());

  it('initializes with the temp CODEX_HOME', () => {
    expect(client.initializeResult.codexHome).toBe(harness.codexHome);
    expect(client.initializeResult.platformFamily).toBe('unix');
    expect(client.process?.pid).toBeGreaterThan(0);
  });

  it('starts ephemeral and persisted threads, lists and reads them', async () => {
    const eph = await client.request('thread/start', { cwd: harness.workspace, ephemeral: true });
    expect(eph.thread.ephemeral).toBe(true);
    expect(eph.thread.path).toBeNull();
    const kept = await client.request('thread/start', { cwd: harness.workspace, ephemeral: false });
    expect(kept.thread.path).toMatch(/rollout-.*\.jsonl$/);
    expect(kept.thread.status).toEqual({ type: 'idle' });
    // A thread is listed only after its first user message.
    const done = nextEvent(client, isTurnCompleted(kept.thread.id));
    await client.turnStart({ threadId: kept.thread.id, text: 'list me' });
    await done;
    expect(existsSync(kept.thread.path ?? '')).toBe(true);
    const listed = await client.listAllThreads({});
    expect(listed.map((t) => t.id)).toContain(kept.thread.id);
    expect(listed.find((t) => t.id === kept.thread.id)?.preview).toBe('list me');
    const read = await client.request('thread/read', { threadId: kept.thread.id, includeTurns: false });
    expect(read.thread.id).toBe(kept.thread.id);
    const turns = await client.listTurns(kept.thread.id);
    expect(turns).toHaveLength(1);
    expect(turns[0]?.items.map((i) => i.type)).toEqual(['userMessage', 'agentMessage']);
  });

  it('runs a plain turn whose agent message is the scripted text, with events in wire order', async () => {
    const { thread } = await client.request('thread/start', { cwd: harness.workspace, ephemeral: true });
    const events = recordEvents(client);
    const done = nextEvent(client, isTurnCompleted(thread.id));
    const turn = await client.turnStart({ threadId: thread.id, text: '@sim reply Scripted hello.' });
    const completed = await done;
    expect(completed.turnId).toBe(turn.id);
    expect(completed.outcome).toBe('completed');
    expect(completed.lastAgentMessage).toBe('Scripted hello.');
    const mine = events.filter((e) => e.laneId === thread.id).map((e) => e.type);
    expect(mine.indexOf('turnStarted')).toBeLessThan(mine.indexOf('itemCompleted'));
    expect(mine.at(-1)).toBe('turnCompleted');
    const idleBeforeCompleted = events.findIndex((e) => e.type === 'statusChanged' && e.laneId === thread.id && e.status === 'idle');
    expect(idleBeforeCompleted).toBeGreaterThan(-1);
  });

  it('asks for approval under "untrusted": accept runs the command, decline does not', async () => {
    const decisions = new Map<string, 'accept' | 'decline'>();
    client.onServerRequest('item/commandExecution/requestApproval', (params) => ({ decision: decisions.get(params.threadId) ?? 'decline' }));
    for (const decision of ['accept', 'decline'] as const) {
      const file = `approved-${decision}.txt`;
      const { thread } = await client.request('thread/start', { cwd: harness.workspace, ephemeral: true, approvalPolicy: 'untrusted', sandbox: 'danger-full-access' });
      decisions.set(thread.id, decision);
      const asked = nextEvent(client, (e) => e.type === 'approvalRequested' && e.laneId === thread.id);
      const done = nextEvent(client, isTurnCompleted(thread.id));
      await client.turnStart({ threadId: thread.id, text: `@sim shell echo ${decision} > ${file}\n@sim reply finished` });
      const request = await asked;
      expect(request.type === 'approvalRequested' && request.kind).toBe('command');
      const completed = await done;
      expect(completed.outcome).toBe('completed');
      expect(existsSync(path.join(harness.workspace, file))).toBe(decision === 'accept');
    }
    expect(readFileSync(path.join(harness.workspace, 'approved-accept.txt'), 'utf8').trim()).toBe('accept');
  });

  it('marks each read of its output: events come inside reads, and a server request is handled after every event before it', async () => {
    // A consumer that batches as the daemon does: events held during a read are handled at its end.
    let open = 0;
    let held: string[] = [];
    const handled: string[] = [];
    const unpaired: string[] = [];
    const reads = client.onRead((edge) => {
      if (edge === 'start') open++;
      else if (open === 0) unpaired.push('end without start');
      else if (--open === 0) handled.push(...held.splice(0));
    });
    let eventsInReads = 0;
    let eventsOutside = 0;
    const events = client.onEvent((event) => {
      if (open > 0) {
        eventsInReads++;
        held.push(event.type);
      } else {
        eventsOutside++;
        handled.push(event.type);
      }
    });
    const handledWhenAsked: string[][] = [];
    const answers = client.onServerRequest('item/commandExecution/requestApproval', () => {
      handledWhenAsked.push([...handled]);
      return { decision: 'decline' };
    });
    try {
      const { thread } = await client.request('thread/start', { cwd: harness.workspace, ephemeral: true, approvalPolicy: 'untrusted', sandbox: 'danger-full-access' });
      const done = nextEvent(client, isTurnCompleted(thread.id));
      held = [];
      await client.turnStart({ threadId: thread.id, text: '@sim shell echo hi\n@sim reply finished' });
      await done;
      expect(unpaired).toEqual([]);
      expect(open).toBe(0);
      expect(eventsInReads).toBeGreaterThan(0);
      expect(eventsOutside).toBe(1); // the approval request, cut out of its read
      expect(handledWhenAsked).toHaveLength(1);
      const seen = handledWhenAsked[0] ?? [];
      expect(seen.at(-1)).toBe('approvalRequested');
      expect(seen).toContain('turnStarted');
    } finally {
      reads.dispose();
      events.dispose();
      answers.dispose();
    }
  });

  it('steers a slow turn with expectedTurnId, and refuses a wrong one', async () => {
    const { thread } = await client.request('thread/start', { cwd: harness.workspace, ephemeral: true });
    const started = nextEvent(client, (e) => e.type === 'agentMessageDelta' && e.laneId === thread.id);
    const done = nextEvent(client, isTurnCompleted(thread.id));
    const turn = await client.turnStart({ threadId: thread.id, text: '@sim slow 50x100\n@sim reply This reply is slow.' });
    await started;
    await expect(client.turnSteer({ threadId: thread.id, expectedTurnId: 'not-the-turn', text: 'nope' })).rejects.toMatchObject({ code: 'app_server' });
    const steered = await client.turnSteer({ threadId: thread.id, expectedTurnId: turn.id, text: 'steered input' });
    expect(steered).toBe(turn.id);
    const completed = await done;
    expect(completed.outcome).toBe('completed');
    expect(completed.lastAgentMessage).toBe('Echo: steered input');
  });

  it('interrupts a running turn', async () => {
    const { thread } = await client.request('thread/start', { cwd: harness.workspace, ephemeral: true });
    const streaming = nextEvent(client, (e) => e.type === 'agentMessageDelta' && e.laneId === thread.id);
    const done = nextEvent(client, isTurnCompleted(thread.id));
    const turn = await client.turnStart({ threadId: thread.id, text: '@sim slow 50x100\n@sim reply never finished' });
    await streaming;
    await client.request('turn/interrupt', { threadId: thread.id, turnId: turn.id });
    const completed = await done;
    expect(completed.outcome).toBe('interrupted');
    await expect(client.request('turn/interrupt', { threadId: thread.id, turnId: turn.id })).rejects.toBeInstanceOf(DispatchError);
  });

  it('reports a provider failure as a failed turn with its error', async () => {
    const { thread } = await client.request('thread/start', { cwd: harness.workspace, ephemeral: true });
    const errorEvent = nextEvent(client, (e) => e.type === 'turnError' && e.laneId === thread.id);
    const done = nextEvent(client, isTurnCompleted(thread.id));
    await client.turnStart({ threadId: thread.id, text: '@sim fail the model fell over' });
    const completed = await done;
    expect(completed.outcome).toBe('failed');
    expect(completed.error?.message).toContain('the model fell over');
    expect((await errorEvent).type).toBe('turnError');
  });

  it('resumes a persisted thread on a new app-server process with the same CODEX_HOME', async () => {
    const first = await harness.spawn();
    const { thread } = await first.request('thread/start', { cwd: harness.workspace, ephemeral: false });
    const done = nextEvent(first, isTurnCompleted(thread.id));
    await first.turnStart({ threadId: thread.id, text: '@sim reply remembered' });
    await done;
    // The old process must be gone: a live one keeps the thread's writer lock.
    await first.close();
    const second = await harness.spawn();
    expect(second.process?.pid).not.toBe(first.process?.pid);
    const listed = await second.listAllThreads({});
    expect(listed.find((t) => t.id === thread.id)?.status).toEqual({ type: 'notLoaded' });
    const resumed = await second.request('thread/resume', { threadId: thread.id });
    expect(resumed.thread.turns.length).toBe(1);
    const again = nextEvent(second, isTurnCompleted(thread.id));
    await second.request('turn/start', { threadId: thread.id, input: [textInput('@sim reply back again')] });
    expect((await again).lastAgentMessage).toBe('back again');
    const requestsForThread = harness.provider.requests.filter((r) => r.threadId === thread.id);
    expect(requestsForThread.map((r) => r.lastUserText)).toEqual(['@sim reply remembered', '@sim reply back again']);
    await second.close();
  });

  it('fails pending requests with a typed transport error when the app-server is SIGKILLed mid-turn', async () => {
    const victim = await harness.spawn();
    const { thread } = await victim.request('thread/start', { cwd: harness.workspace, ephemeral: true });
    const streaming = nextEvent(victim, (e) => e.type === 'agentMessageDelta' && e.laneId === thread.id);
    await victim.turnStart({ threadId: thread.id, text: '@sim slow 100x100\n@sim reply interrupted by a crash' });
    await streaming;
    const pending = victim.request('thread/start', { cwd: harness.workspace, ephemeral: true });
    victim.process?.kill('SIGKILL');
    await expect(pending).rejects.toMatchObject({ name: 'DispatchError', code: 'transport_closed' });
    const closed = await victim.closed;
    expect(closed.exit?.signal).toBe('SIGKILL');
    expect(victim.isClosed).toBe(true);
    await expect(victim.request('thread/list', {})).rejects.toMatchObject({ code: 'transport_closed' });
  });
});
