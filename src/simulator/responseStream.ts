import type { ServerResponse } from 'node:http';
import { setTimeout as sleep } from 'node:timers/promises';
import { splitIntoChunks, type MessageStep, type SimStep, type SimUsage } from './script.js';

// How the simulated provider answers: one step of a script as a Responses API reply (an SSE
// stream, or a JSON error for an HTTP failure).

const SSE_HEADERS = {
  'content-type': 'text/event-stream',
  'cache-control': 'no-cache',
  connection: 'keep-alive',
} as const;

interface Usage {
  input_tokens: number;
  input_tokens_details: { cached_tokens: number };
  output_tokens: number;
  output_tokens_details: { reasoning_tokens: number };
  total_tokens: number;
}

/**
 * Writes the answer for one step as the Responses API would, with `headers` (the rate-limit
 * windows). Its usage is `fixedUsage` when the script set one (`@sim usage`), else `inputTokens`
 * and an estimate of what the step outputs.
 */
export async function playStep(res: ServerResponse, step: SimStep, responseId: string, inputTokens: number, signal: AbortSignal, fixedUsage?: SimUsage, headers: Record<string, string> = {}): Promise<void> {
  if (step.kind === 'fail' && 'status' in step) {
    sendJson(res, step.status, {
      error: { message: `dispatch-sim: simulated HTTP ${step.status}`, type: 'server_error', code: null },
    }, headers);
    return;
  }
  res.writeHead(200, { ...SSE_HEADERS, ...headers });
  res.flushHeaders();
  if (step.kind === 'hang') return; // Left open on purpose: close() or the client ends it.
  const send = (event: Record<string, unknown> & { type: string }): void => {
    res.write(`event: ${event.type}\ndata: ${JSON.stringify(event)}\n\n`);
  };
  send({ type: 'response.created', response: { id: responseId } });
  let outputTokens = 1;
  switch (step.kind) {
    case 'message': {
      const completed = await streamMessage(send, step, responseId, signal);
      if (!completed) return;
      outputTokens = estimateTokens(step.text);
      break;
    }
    case 'shell': {
      const args: Record<string, unknown> = { cmd: step.command, yield_time_ms: 2000 };
      if (step.login !== undefined) args['login'] = step.login;
      const argumentsJson = JSON.stringify(args);
      send({
        type: 'response.output_item.done',
        output_index: 0,
        item: { type: 'function_call', call_id: `call_${responseId}`, name: 'exec_command', arguments: argumentsJson },
      });
      outputTokens = estimateTokens(argumentsJson);
      break;
    }
    case 'toolSearch':
      send({
        type: 'response.output_item.done',
        output_index: 0,
        item: { type: 'tool_search_call', call_id: `call_${responseId}`, execution: 'client', arguments: { query: step.query, limit: 5 } },
      });
      break;
    case 'call':
      send({
        type: 'response.output_item.done',
        output_index: 0,
        item: { type: 'function_call', call_id: `call_${responseId}`, namespace: step.namespace, name: step.name, arguments: step.arguments },
      });
      outputTokens = estimateTokens(step.arguments);
      break;
    case 'ask': {
      const argumentsJson = JSON.stringify({ questions: step.questions });
      send({
        type: 'response.output_item.done',
        output_index: 0,
        item: { type: 'function_call', call_id: `call_${responseId}`, name: 'request_user_input', arguments: argumentsJson },
      });
      outputTokens = estimateTokens(argumentsJson);
      break;
    }
    case 'patch':
      send({
        type: 'response.output_item.done',
        output_index: 0,
        item: { type: 'custom_tool_call', call_id: `call_${responseId}`, name: 'apply_patch', input: step.patch },
      });
      outputTokens = estimateTokens(step.patch);
      break;
    case 'fail':
      send({ type: 'response.failed', response: { id: responseId, error: { code: step.code ?? 'server_error', message: step.message } } });
      res.end();
      return;
  }
  const reported = fixedUsage ?? { input: inputTokens, output: outputTokens, cached: 0, reasoning: 0 };
  send({ type: 'response.completed', response: { id: responseId, usage: usage(reported) } });
  res.end();
}

/** Streams a message item; false when the client went away (or the server closed) mid-stream. */
async function streamMessage(
  send: (event: Record<string, unknown> & { type: string }) => void,
  step: MessageStep,
  responseId: string,
  signal: AbortSignal,
): Promise<boolean> {
  const itemId = `msg_${responseId}`;
  send({ type: 'response.output_item.added', output_index: 0, item: { type: 'message', role: 'assistant', id: itemId, content: [] } });
  const delay = step.chunkDelayMs ?? 0;
  const pieces = splitIntoChunks(step.text, step.chunks ?? 1);
  for (const [i, delta] of pieces.entries()) {
    if (i > 0 && delay > 0) {
      try {
        await sleep(delay, undefined, { signal });
      } catch {
        return false;
      }
    }
    if (signal.aborted) return false;
    send({ type: 'response.output_text.delta', item_id: itemId, output_index: 0, content_index: 0, delta });
  }
  send({
    type: 'response.output_item.done',
    output_index: 0,
    item: { type: 'message', role: 'assistant', id: itemId, content: [{ type: 'output_text', text: step.text }] },
  });
  return true;
}

export function sendJson(res: ServerResponse, status: number, value: unknown, headers: Record<string, string> = {}): void {
  const text = JSON.stringify(value);
  res.writeHead(status, { ...headers, 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
  res.end(text);
}

function usage(counts: SimUsage): Usage {
  return {
    input_tokens: counts.input,
    input_tokens_details: { cached_tokens: counts.cached },
    output_tokens: counts.output,
    output_tokens_details: { reasoning_tokens: counts.reasoning },
    total_tokens: counts.input + counts.output,
  };
}

/** A rough 4-characters-per-token count, so token usage moves like a real model's. */
export function estimateTokens(text: string): number {
  return Math.max(1, Math.ceil(text.length / 4));
}
