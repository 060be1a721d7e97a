import { request as httpRequest } from 'node:http';
import { gzipSync } from 'node:zlib';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DispatchError } from '../../src/shared/errors.js';
import { addFilePatch, startSimulatedProvider, type RecordedRequest, type SimulatedProvider } from '../../src/simulator/index.js';
import { postResponses, readSse, responsesBody, types, userMessage } from './sse.js';

let provider: SimulatedProvider;

beforeEach(async () => {
  provider = await startSimulatedProvider();
});

afterEach(async () => {
  await provider.close();
});

const codexHeaders = (threadId: string, turnId: string): Record<string, string> => ({
  'session-id': threadId,
  'thread-id': threadId,
  'x-codex-turn-metadata': JSON.stringify({ thread_id: threadId, turn_id: turnId, sandbox_mode: 'danger-full-access' }),
  authorization: 'Bearer dispatch-sim',
});

describe('simulated provider over HTTP', () => {
  it('listens on loopback and serves the model list', async () => {
    expect(provider.url).toBe(`http://127.0.0.1:${provider.port}/v1`);
    const models = await fetch(`${provider.url}/models`);
    expect(models.status).toBe(200);
    expect(await models.json()).toEqual({ data: [] });
    const missing = await fetch(`${provider.url}/nope`);
    expect(missing.status).toBe(404);
    expect(missing.headers.get('content-type')).toBe('application/json');
    expect(await missing.json()).toMatchObject({ error: { type: 'not_found' } });
  });

  it('refuses to bind a non-loopback address', async () => {
    await expect(startSimulatedProvider({ host: '0.0.0.0' })).rejects.toThrow(DispatchError);
  });

  it('streams a message: added, delta, done, completed with usage', async () => {
    const response = await postResponses(provider.url, responsesBody([userMessage('hello there')]), codexHeaders('thread-1', 'turn-1'));
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('text/event-stream');
    const events = await readSse(response);
    expect(types(events)).toEqual([
      'response.created',
      'response.output_item.added',
      'response.output_text.delta',
      'response.output_item.done',
      'response.completed',
    ]);
    expect(events.every((e) => e.event === e.data.type)).toBe(true);
    expect(events[1]?.data).toEqual({
      type: 'response.output_item.added',
      output_index: 0,
      item: { type: 'message', role: 'assistant', id: 'msg_resp_1', content: [] },
    });
    expect(events[2]?.data).toEqual({
      type: 'response.output_text.delta',
      item_id: 'msg_resp_1',
      output_index: 0,
      content_index: 0,
      delta: 'Echo: hello there',
    });
    expect(events[3]?.data).toEqual({
      type: 'response.output_item.done',
      output_index: 0,
      item: { type: 'message', role: 'assistant', id: 'msg_resp_1', content: [{ type: 'output_text', text: 'Echo: hello there' }] },
    });
    const completed = events[4]?.data['response'] as { id: string; usage: Record<string, unknown> };
    expect(completed.id).toBe('resp_1');
    expect(completed.usage).toEqual({
      input_tokens: expect.any(Number) as number,
      input_tokens_details: { cached_tokens: 0 },
      output_tokens: 5,
      output_tokens_details: { reasoning_tokens: 0 },
      total_tokens: (completed.usage['input_tokens'] as number) + 5,
    });
    expect(provider.requests).toEqual<RecordedRequest[]>([
      {
        seq: 1,
        at: expect.any(String) as string,
        threadId: 'thread-1',
        turnId: 'turn-1',
        lastUserText: 'hello there',
        toolOutputs: 0,
        stepKind: 'message',
        stepIndex: 0,
        source: 'default',
        responseId: 'resp_1',
        model: 'dispatch-sim',
      },
    ]);
  });

  it('streams a slow message in chunks spaced in time', async () => {
    const started = performance.now();
    const events = await readSse(await postResponses(provider.url, responsesBody([userMessage('@sim slow 5x60\n@sim reply abcdefghij')])));
    const deltas = events.filter((e) => e.data.type === 'response.output_text.delta');
    expect(deltas.map((e) => e.data['delta'])).toEqual(['ab', 'cd', 'ef', 'gh', 'ij']);
    const first = deltas[0]?.atMs ?? 0;
    const last = deltas[4]?.atMs ?? 0;
    // Four gaps of 60 ms; allow timer slack but prove the stream was not sent at once.
    expect(last - first).toBeGreaterThanOrEqual(200);
    expect(performance.now() - started).toBeLessThan(3000);
    expect(events.at(-1)?.data.type).toBe('response.completed');
  });

  it('asks for a shell command, then answers the function_call_output with a message', async () => {
    const text = '@sim shell echo hi > a.txt\n@sim reply It said {{last_tool_output}}';
    const first = await readSse(await postResponses(provider.url, responsesBody([userMessage(text)])));
    expect(types(first)).toEqual(['response.created', 'response.output_item.done', 'response.completed']);
    const item = first[1]?.data['item'] as Record<string, unknown>;
    expect(item).toEqual({
      type: 'function_call',
      call_id: 'call_resp_1',
      name: 'exec_command',
      arguments: JSON.stringify({ cmd: 'echo hi > a.txt', yield_time_ms: 2000 }),
    });
    const history = [
      userMessage(text),
      item,
      {
        type: 'function_call_output',
        call_id: 'call_resp_1',
        output: 'Chunk ID: 1\nWall time: 0.0 seconds\nProcess exited with code 0\nOriginal token count: 1\nOutput:\nhi-out\n',
      },
    ];
    const second = await readSse(await postResponses(provider.url, responsesBody(history)));
    const done = second.find((e) => e.data.type === 'response.output_item.done');
    expect(done?.data['item']).toEqual({
      type: 'message',
      role: 'assistant',
      id: 'msg_resp_2',
      content: [{ type: 'output_text', text: 'It said hi-out' }],
    });
    expect(provider.requests.map((r) => [r.stepKind, r.toolOutputs, r.lastToolOutput])).toEqual([
      ['shell', 0, undefined],
      ['message', 1, 'hi-out'],
    ]);
  });

  it('sends apply_patch as a custom tool call', async () => {
    const events = await readSse(await postResponses(provider.url, responsesBody([userMessage('@sim write x.txt hello')])));
    expect(events[1]?.data).toEqual({
      type: 'response.output_item.done',
      output_index: 0,
      item: { type: 'custom_tool_call', call_id: 'call_resp_1', name: 'apply_patch', input: addFilePatch('x.txt', 'hello') },
    });
    expect(events.at(-1)?.data.type).toBe('response.completed');
  });

  it('answers fail <status> with that HTTP status', async () => {
    const response = await postResponses(provider.url, responsesBody([userMessage('@sim fail 500')]));
    expect(response.status).toBe(500);
    expect(await response.json()).toMatchObject({ error: { type: 'server_error' } });
    expect(provider.requests[0]?.stepKind).toBe('fail');
  });

  it('ends the stream with response.failed for fail <message>', async () => {
    const events = await readSse(await postResponses(provider.url, responsesBody([userMessage('@sim fail the model fell over')])));
    expect(types(events)).toEqual(['response.created', 'response.failed']);
    expect(events[1]?.data['response']).toEqual({ id: 'resp_1', error: { code: 'server_error', message: 'the model fell over' } });
  });

  it('hangs until close(), which returns promptly', async () => {
    const response = await postResponses(provider.url, responsesBody([userMessage('@sim hang')]));
    expect(response.status).toBe(200);
    const reading = readSse(response).then(
      (events) => ({ ok: true as const, events }),
      (error: unknown) => ({ ok: false as const, error }),
    );
    const pending = await Promise.race([reading, new Promise((resolve) => setTimeout(resolve, 150, 'silent'))]);
    expect(pending).toBe('silent');
    const started = performance.now();
    await provider.close();
    expect(performance.now() - started).toBeLessThan(1000);
    const outcome = await reading;
    // The stream is cut, never completed: either an error or an early EOF without response.completed.
    if (outcome.ok) expect(types(outcome.events)).not.toContain('response.completed');
    expect(provider.requests[0]?.stepKind).toBe('hang');
  });

  it('stops a slow stream when the client goes away', async () => {
    const controller = new AbortController();
    const response = await postResponses(provider.url, responsesBody([userMessage('@sim slow 100x50\n@sim reply long')]), {}, controller.signal);
    expect(response.status).toBe(200);
    controller.abort();
    await expect(readSse(response)).rejects.toThrow();
    // The server keeps serving other requests.
    const events = await readSse(await postResponses(provider.url, responsesBody([userMessage('still there?')])));
    expect(events.at(-1)?.data.type).toBe('response.completed');
  });

  it.each([
    ['not JSON', '{"input": ['],
    ['no input array', '{"model":"x"}'],
    ['an array body', '[]'],
  ])('answers 400 to a malformed body (%s) and keeps running', async (_label, body) => {
    const response = await postResponses(provider.url, body);
    expect(response.status).toBe(400);
    expect(await response.json()).toMatchObject({ error: { type: 'invalid_request_error' } });
    expect(provider.requests.at(-1)).toMatchObject({ stepKind: 'rejected', error: expect.any(String) as string });
    const events = await readSse(await postResponses(provider.url, responsesBody([userMessage('ok')])));
    expect(events.at(-1)?.data.type).toBe('response.completed');
  });

  it('accepts a gzip body', async () => {
    const body = gzipSync(JSON.stringify(responsesBody([userMessage('zipped')])));
    const status = await new Promise<number>((resolve, reject) => {
      const req = httpRequest(
        `${provider.url}/responses`,
        { method: 'POST', headers: { 'content-type': 'application/json', 'content-encoding': 'gzip' } },
        (res) => {
          res.resume();
          res.on('end', () => resolve(res.statusCode ?? 0));
        },
      );
      req.on('error', reject);
      req.end(body);
    });
    expect(status).toBe(200);
    expect(provider.requests[0]?.lastUserText).toBe('zipped');
  });

  it('serves the request log and follows setRules', async () => {
    provider.setRules([{ match: /deploy/, steps: [{ kind: 'message', text: 'deploying' }] }]);
    const events = await readSse(await postResponses(provider.url, responsesBody([userMessage('please deploy')]), codexHeaders('t', 'u')));
    expect(events.find((e) => e.data.type === 'response.output_item.done')?.data['item']).toMatchObject({
      content: [{ type: 'output_text', text: 'deploying' }],
    });
    expect(() => provider.setRules([{ match: 'x', steps: [] }])).toThrow(DispatchError);
    const log = (await (await fetch(`${provider.url}/__requests`)).json()) as RecordedRequest[];
    expect(log).toEqual(provider.requests);
    expect(log[0]).toMatchObject({ seq: 1, threadId: 't', turnId: 'u', source: 'rule', stepKind: 'message' });
  });

  it('gives unique response, message and call ids across requests', async () => {
    for (const text of ['one', '@sim shell true', 'three']) await readSse(await postResponses(provider.url, responsesBody([userMessage(text)])));
    expect(provider.requests.map((r) => r.responseId)).toEqual(['resp_1', 'resp_2', 'resp_3']);
  });

  it('supports await using', async () => {
    let url: string;
    {
      await using scoped = await startSimulatedProvider();
      url = scoped.url;
      expect((await fetch(`${url}/models`)).status).toBe(200);
    }
    await expect(fetch(`${url}/models`)).rejects.toThrow();
  });
});
