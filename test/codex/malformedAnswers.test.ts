import { describe, expect, it } from 'vitest';
import { malformedAnswer } from '../../src/codex/answers.js';
import { CodexClient } from '../../src/codex/client.js';
import { MemoryTransport } from '../../src/jsonrpc/memoryTransport.js';
import { DispatchError } from '../../src/shared/errors.js';

/** A client over a hand-driven app-server that answers `initialize` properly and everything else with `answers[method]`. */
async function clientAnswering(answers: Record<string, unknown>): Promise<CodexClient> {
  const [local, peer] = MemoryTransport.createLinkedPair();
  peer.onmessage = (value) => {
    const message = value as { id?: number; method?: string };
    if (message.id === undefined || message.method === undefined) return;
    const result = message.method === 'initialize' ? { userAgent: 'fake/0', codexHome: '/tmp', platformFamily: 'unix', platformOs: 'linux' } : answers[message.method];
    void peer.send({ id: message.id, result });
  };
  return CodexClient.connect(local, { requestTimeoutMs: 5000 });
}

describe('malformed app-server answers', () => {
  it('are a typed app_server failure saying the answer was malformed, not an internal error', async () => {
    const client = await clientAnswering({ 'turn/start': {}, 'turn/steer': { turnId: 7 }, 'thread/start': null, 'thread/list': { data: 'nope', nextCursor: null } });
    try {
      const turn = client.turnStart({ threadId: 't1', text: 'hi' });
      await expect(turn).rejects.toBeInstanceOf(DispatchError);
      await expect(turn).rejects.toMatchObject({ code: 'app_server', data: { method: 'turn/start', malformed: 'expected turn.id' } });
      await expect(client.turnSteer({ threadId: 't1', expectedTurnId: 'u1', text: 'more' })).rejects.toMatchObject({ code: 'app_server', data: { malformed: 'expected turnId' } });
      await expect(client.request('thread/start', {})).rejects.toMatchObject({ code: 'app_server', data: { malformed: 'expected an object, got null' } });
      await expect(client.listAllThreads()).rejects.toMatchObject({ code: 'app_server', data: { method: 'thread/list' } });
    } finally {
      await client.close();
    }
  });

  it('refuse a malformed initialize answer: the handshake fails typed instead of marking codex running', async () => {
    const [local, peer] = MemoryTransport.createLinkedPair();
    peer.onmessage = (value) => {
      const message = value as { id?: number; method?: string };
      if (message.id !== undefined && message.method === 'initialize') void peer.send({ id: message.id, result: 42 });
    };
    await expect(CodexClient.connect(local, { requestTimeoutMs: 5000 })).rejects.toMatchObject({ code: 'app_server' });
  });

  it('accepts the shapes the generated protocol promises', () => {
    expect(malformedAnswer('turn/start', { turn: { id: 'u1', items: [], status: 'inProgress' } })).toBeUndefined();
    expect(malformedAnswer('thread/turns/list', { data: [], nextCursor: 'c2' })).toBeUndefined();
    expect(malformedAnswer('turn/interrupt', {})).toBeUndefined();
    expect(malformedAnswer('turn/interrupt', [])).toBe('expected an object, got an array');
  });
});
