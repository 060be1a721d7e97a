import { describe, expect, it } from 'vitest';
import { attentionItems, orderAttention, transitionOf, type AttentionAction, type AttentionItem, type AttentionSources } from '../../src/core/attention.js';
import type { Fact } from '../../src/core/facts.js';
import type { Attention, Delivery, Lane, ServerRequestRecord } from '../../src/core/model.js';
import type { AppServerInfo } from '../../src/core/ports.js';
import { executeOp } from '../../src/daemon/executor.js';
import { contextWithAlpha } from '../contracts/opContext.js';
import { FakeAppServer } from '../helpers/fakeAppServer.js';

function lane(id: string, attention: Attention, patch: Partial<Lane> = {}): Lane {
  return {
    id,
    handle: `@${id}`,
    source: 'own',
    cwd: '/w',
    status: attention === 'failed' ? 'error' : attention === 'needs-you' ? 'waiting_approval' : attention === 'working' ? 'busy' : 'idle',
    attention,
    activeTurnId: null,
    settings: { sandbox: 'read-only', approvalPolicy: 'never' },
    ephemeral: false,
    latestTurn: null,
    lastAgentMessage: null,
    worktree: null,
    createdAt: '2026-11-01T10:00:00.000Z',
    updatedAt: '2026-11-01T10:00:00.000Z',
    lastEventAt: null,
    ...patch,
  };
}

function request(id: number, laneId: string, createdAt: string, patch: Partial<ServerRequestRecord> = {}): ServerRequestRecord {
  return { id, generation: 1, rpcId: String(id), lane: laneId, method: 'item/commandExecution/requestApproval', kind: 'command', summary: `cmd ${id}`, prompt: null, state: 'pending', decision: null, decidedBy: null, createdAt, answeredAt: null, error: null, answer: null, ...patch };
}

const turnAt = (id: string, at: string, status: 'completed' | 'failed' = 'completed', error: { message: string; code?: string } | null = null) => ({ id, status, error, at });

function sources(patch: Partial<AttentionSources>): AttentionSources {
  return { lanes: [], pending: [], receiptsOf: () => [], codexHome: '/home/me/.codex', missingLogin: null, held: [], ...patch };
}

const byHandle = (l: Lane): string => l.handle;
const act = (op: string, input: Record<string, unknown>, fill: string[] = []): AttentionAction => ({ op, input, fill });
const respond = (id: number, input: Record<string, unknown>, fill: string[] = []) => act('request.respond', { id, ...input }, fill);
const send = (lane: string) => act('send', { lane, text: '<message>' }, ['text']);
const item = (attention: AttentionItem['attention'], since: string, extra: Partial<AttentionItem> = {}): AttentionItem => ({ attention, reason: 'done', lane: null, handle: null, request: null, summary: '', since, actions: [], ...extra });

describe('attention ordering', () => {
  it('puts needs-you first, then failed, then done-unread, each class oldest first', () => {
    const ordered = orderAttention([
      item('done-unread', '2026-11-01T10:00:01Z', { handle: '@d-new' }),
      item('failed', '2026-11-01T10:00:05Z', { handle: '@f-new' }),
      item('needs-you', '2026-11-01T10:00:09Z', { handle: '@n-new' }),
      item('done-unread', '2026-11-01T10:00:00Z', { handle: '@d-old' }),
      item('needs-you', '2026-11-01T10:00:02Z', { handle: '@n-old' }),
      item('failed', '2026-11-01T10:00:03Z', { handle: '@f-old' }),
    ]);
    expect(ordered.map((i) => i.handle)).toEqual(['@n-old', '@n-new', '@f-old', '@f-new', '@d-old', '@d-new']);
  });

  it('lists receipts capacity holds back after every other class, oldest first, with release and cancel', () => {
    const held = (id: number, laneId: string, createdAt: string): Delivery => ({ id, lane: laneId, mode: 'queue', source: 'op', text: `job ${id}`, idempotencyKey: null, clientMessageId: `c${id}`, state: 'queued', turnId: null, error: null, note: null, held: 'held: 2 of 2 busy lanes', createdAt, updatedAt: createdAt });
    const lanes = [lane('unread', 'done-unread', { latestTurn: turnAt('t1', '2026-11-01T10:00:09.000Z'), lastAgentMessage: 'ok' }), lane('w1', 'idle'), lane('w2', 'idle')];
    const items = attentionItems(sources({ lanes, held: [held(9, 'w2', '2026-11-01T10:00:02.000Z'), held(4, 'w1', '2026-11-01T10:00:01.000Z')] }), byHandle);
    expect(items.map((i) => [i.attention, i.handle])).toEqual([['done-unread', '@unread'], ['held', '@w1'], ['held', '@w2']]);
    expect(items[1]).toMatchObject({ reason: 'held', summary: 'held: 2 of 2 busy lanes: job 4' });
    expect(items[1]?.actions).toEqual([act('queue.release', { receipt: 4 }), act('queue.cancel', { receipt: 4 })]);
  });

  it('is stable for items of the same time: by request id, then handle, whatever the input order', () => {
    const at = '2026-11-01T10:00:00Z';
    const items = [item('needs-you', at, { request: 7 }), item('needs-you', at, { request: 3 }), item('failed', at, { handle: '@b' }), item('failed', at, { handle: '@a' })];
    const expected = [3, 7, '@a', '@b'];
    expect(orderAttention(items).map((i) => i.request ?? i.handle)).toEqual(expected);
    expect(orderAttention([...items].reverse()).map((i) => i.request ?? i.handle)).toEqual(expected);
  });

  it('lists requests, a missing login, failed and unread lanes, and leaves working and idle lanes out', () => {
    const lanes = [
      lane('unread', 'done-unread', { latestTurn: turnAt('t1', '2026-11-01T10:00:01.000Z'), lastAgentMessage: 'all green' }),
      lane('broken', 'failed', { latestTurn: turnAt('t2', '2026-11-01T10:00:02.000Z', 'failed', { message: 'boom', code: 'internalServerError' }) }),
      lane('asking', 'needs-you', { lastEventAt: '2026-11-01T10:00:00.000Z' }),
      lane('busy', 'working'),
      lane('quiet', 'idle'),
    ];
    const items = attentionItems(sources({ lanes, pending: [request(4, 'asking', '2026-11-01T10:00:03.000Z')], missingLogin: { since: '2026-11-01T09:00:00.000Z' } }), byHandle);
    expect(items.map((i) => [i.attention, i.reason, i.handle, i.summary])).toEqual([
      ['needs-you', 'login', null, 'codex is not logged in (/home/me/.codex): no turn can reach the provider'],
      ['needs-you', 'approval', '@asking', 'cmd 4'],
      ['failed', 'error', '@broken', 'boom'],
      ['done-unread', 'done', '@unread', 'all green'],
    ]);
    expect(items[0]).toMatchObject({ codex_home: '/home/me/.codex', actions: [] });
    expect(items[1]?.actions).toEqual([respond(4, { decision: 'accept' }), respond(4, { decision: 'decline' })]);
    expect(items[2]?.actions).toEqual([act('lane.tail', { lane: '@broken' }), send('@broken')]);
    expect(items[3]?.actions).toEqual([act('lane.tail', { lane: '@unread' }), act('lane.read', { lane: ['@unread'] }), send('@unread')]);
  });

  it('offers delivery retry for the failed turn\'s interrupted or failed receipt', () => {
    const failed = lane('broken', 'failed', { latestTurn: turnAt('t9', '2026-11-01T10:00:02.000Z', 'failed', { message: 'gone' }) });
    const receipt = (id: number, state: Delivery['state']): Delivery => ({ id, lane: 'broken', mode: 'send', source: 'op', text: 'x', idempotencyKey: null, clientMessageId: `c${id}`, state, turnId: 't9', error: null, note: null, held: null, createdAt: '', updatedAt: '' });
    const [only] = attentionItems(sources({ lanes: [failed], receiptsOf: (l, t) => (l === 'broken' && t === 't9' ? [receipt(8, 'interrupted'), receipt(9, 'completed')] : []) }), byHandle);
    expect(only?.actions).toEqual([act('lane.tail', { lane: '@broken' }), act('delivery.retry', { receipt: 8 }), send('@broken')]);
  });

  it('shows a lane the provider refused as a login to do, not as a failure', () => {
    const refused = lane('refused', 'failed', { latestTurn: turnAt('t3', '2026-11-01T10:00:02.000Z', 'failed', { message: '401 Unauthorized', code: 'unauthorized' }) });
    const [only] = attentionItems(sources({ lanes: [refused] }), byHandle);
    expect(only).toMatchObject({ attention: 'needs-you', reason: 'login', summary: '401 Unauthorized', codex_home: '/home/me/.codex' });
    expect(only?.actions).toEqual([send('@refused')]);
  });

  it('answers a question by its options, several questions by id, and an MCP form by field', () => {
    const question = request(5, 'q', '2026-11-01T10:00:00.000Z', {
      kind: 'userInput',
      prompt: { type: 'questions', questions: [{ id: 'color', header: 'Color', question: 'Which color?', options: [{ label: 'Red', description: '' }, { label: 'Sky blue', description: '' }], other: false, secret: false }] },
    });
    const two = request(6, 'q', '2026-11-01T10:00:01.000Z', {
      kind: 'userInput',
      prompt: { type: 'questions', questions: ['a', 'b'].map((id) => ({ id, header: id, question: `${id}?`, options: [], other: true, secret: false })) },
    });
    const form = request(7, 'q', '2026-11-01T10:00:02.000Z', { kind: 'elicitation', prompt: { type: 'form', server: 'srv', message: 'Name?', fields: [{ name: 'name', type: 'string', required: true }] } });
    const items = attentionItems(sources({ lanes: [lane('q', 'needs-you')], pending: [question, two, form] }), byHandle);
    expect(items.map((i) => i.reason)).toEqual(['question', 'question', 'form']);
    expect(items[0]?.actions).toEqual([respond(5, { answer: ['Red'] }), respond(5, { answer: ['Sky blue'] }), respond(5, { decision: 'decline' })]);
    expect(items[1]?.actions).toEqual([respond(6, { answer: ['a=<answer>', 'b=<answer>'] }, ['answer']), respond(6, { decision: 'decline' })]);
    expect(items[2]?.actions).toEqual([respond(7, { answer: ['name=<value>'] }, ['answer']), respond(7, { decision: 'decline' })]);
  });

  it('points a lane that waits before its request is listed at request list', () => {
    const items = attentionItems(sources({ lanes: [lane('early', 'needs-you', { lastEventAt: '2026-11-01T10:00:00.000Z' })] }), byHandle);
    expect(items.map((i) => [i.reason, i.actions])).toEqual([['waiting', [act('request.list', { lane: '@early' })]]]);
  });
});

describe('attention transitions', () => {
  const statusFact = (flags: string[]): Fact => ({ type: 'statusChanged', laneId: 'l', status: 'active', activeFlags: flags });

  it('fires only on a change into needs-you, failed or done-unread', () => {
    const done = lane('l', 'done-unread', { lastAgentMessage: 'finished it' });
    const completed: Fact = { type: 'turnCompleted', laneId: 'l', turnId: 't', outcome: 'completed' };
    expect(transitionOf('working', done, completed)).toEqual({ laneId: 'l', handle: '@l', attention: 'done-unread', reason: 'done', message: 'finished it' });
    expect(transitionOf('done-unread', done, completed)).toBeUndefined();
    expect(transitionOf('done-unread', lane('l', 'idle'), { type: 'laneRead', laneId: 'l' })).toBeUndefined();
    expect(transitionOf('idle', lane('l', 'working'), { type: 'turnStarted', laneId: 'l', turnId: 't' })).toBeUndefined();
  });

  it('names why: approval or question from codex\'s flags, the error message or login for a failure', () => {
    expect(transitionOf('working', lane('l', 'needs-you'), statusFact(['waitingOnApproval']))?.reason).toBe('approval');
    expect(transitionOf('working', lane('l', 'needs-you'), statusFact(['waitingOnUserInput']))?.reason).toBe('question');
    const failedWith = (error: { message: string; code?: string }) => lane('l', 'failed', { latestTurn: turnAt('t', '2026-11-01T10:00:00Z', 'failed', error) });
    const ended: Fact = { type: 'turnCompleted', laneId: 'l', turnId: 't', outcome: 'failed' };
    expect(transitionOf('working', failedWith({ message: 'boom' }), ended)?.reason).toBe('boom');
    expect(transitionOf('working', failedWith({ message: '401', code: 'unauthorized' }), ended)?.reason).toBe('login');
    expect(transitionOf('idle', lane('l', 'failed'), { type: 'laneLost', laneId: 'l', reason: 'the ephemeral thread did not survive' })?.reason).toBe('the ephemeral thread did not survive');
  });

  it('clips the last agent message', () => {
    const long = lane('l', 'done-unread', { lastAgentMessage: 'x'.repeat(5000) });
    expect(transitionOf('working', long, { type: 'turnCompleted', laneId: 'l', turnId: 't', outcome: 'completed' })?.message).toHaveLength(1000);
  });
});

describe('the attention op', () => {
  class AccountServer extends FakeAppServer {
    private readonly account: AppServerInfo['account'];
    constructor(account: AppServerInfo['account']) {
      super();
      this.account = account;
    }
    override info(): AppServerInfo {
      return { ...super.info(), account: this.account };
    }
  }

  it('asks for a login when codex has no account and its provider needs one, not when it is logged in or unread', async () => {
    const run = async (account: AppServerInfo['account']) => {
      const ctx = await contextWithAlpha(':memory:', new AccountServer(account));
      try {
        return ((await executeOp('attention', {}, ctx)) as { items: AttentionItem[] }).items.map((i) => [i.reason, i.codex_home]);
      } finally {
        ctx.store.close();
      }
    };
    const [login] = await run({ type: null, requiresOpenaiAuth: true });
    expect(login).toEqual(['login', expect.any(String)]);
    expect(await run({ type: 'apiKey', requiresOpenaiAuth: true })).toEqual([]);
    expect(await run({ type: null, requiresOpenaiAuth: false })).toEqual([]);
    expect(await run(null)).toEqual([]);
  });
});
