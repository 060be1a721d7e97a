import { isRecord } from '../shared/records.js';

// What the simulator reads from the `input` array of a Responses request: the newest real user
// message, the tool outputs since, and any client ids codex forwarded.

/** One tool result found in the model input. */
export interface ToolOutputView {
  callId: string;
  kind: 'function' | 'custom' | 'search';
  output: string;
}

/** What the simulator reads from a request's `input` array. */
export interface ModelInputView {
  /** Text of the newest real user message (codex's own `<environment_context>`-style messages are skipped). */
  lastUserText: string | undefined;
  /** Tool outputs after that user message; their count is the index of the step to play. */
  toolOutputs: ToolOutputView[];
  /** Output of the newest tool call anywhere in the input, reduced to what the command printed. */
  lastToolOutput: string | undefined;
  /** Client-side ids carried by user messages, if codex forwarded any. */
  clientUserMessageIds: string[];
}

/** Reads the user text, tool outputs and client ids the simulator cares about from a Responses `input`. */
export function readModelInput(input: readonly unknown[]): ModelInputView {
  let lastUserIndex = -1;
  let lastUserText: string | undefined;
  const clientUserMessageIds: string[] = [];
  input.forEach((item, i) => {
    if (!isRecord(item) || item['type'] !== 'message' || item['role'] !== 'user') return;
    const text = messageText(item['content']);
    const clientId = findClientId(item);
    if (clientId !== undefined) clientUserMessageIds.push(clientId);
    if (isContextualMessage(text)) return;
    lastUserIndex = i;
    lastUserText = text;
  });
  const toolOutputs: ToolOutputView[] = [];
  let lastToolOutput: string | undefined;
  input.forEach((item, i) => {
    if (!isRecord(item)) return;
    const type = item['type'];
    if (type !== 'function_call_output' && type !== 'custom_tool_call_output' && type !== 'tool_search_output') return;
    const view: ToolOutputView = {
      callId: typeof item['call_id'] === 'string' ? item['call_id'] : '',
      kind: type === 'function_call_output' ? 'function' : type === 'custom_tool_call_output' ? 'custom' : 'search',
      output: type === 'tool_search_output' ? JSON.stringify(item['tools'] ?? []) : outputText(item['output']),
    };
    lastToolOutput = printedOutput(view.output);
    if (i > lastUserIndex) toolOutputs.push(view);
  });
  return { lastUserText, toolOutputs, lastToolOutput, clientUserMessageIds };
}

const TEXT_PART_TYPES = new Set<unknown>(['input_text', 'output_text', 'text']);

function messageText(content: unknown): string {
  if (typeof content === 'string') return content;
  if (!Array.isArray(content)) return '';
  const parts: string[] = [];
  for (const part of content) {
    if (isRecord(part) && typeof part['text'] === 'string' && TEXT_PART_TYPES.has(part['type'])) {
      parts.push(part['text']);
    }
  }
  return parts.join('\n');
}

/**
 * Codex injects user-role messages of its own (`<environment_context>`, `<turn_aborted>` after an
 * interrupt, …): each is one XML-like block, and none of them is what the user typed.
 */
function isContextualMessage(text: string): boolean {
  const m = /^\s*<([a-z][a-z0-9_]*)[ >]/.exec(text);
  return m !== null && text.trimEnd().endsWith(`</${m[1]}>`);
}

const CLIENT_ID_KEYS = ['client_user_message_id', 'clientUserMessageId', 'client_id', 'clientId'];

/** Codex 0.169 does not forward clientUserMessageId to the provider; look in the likely places anyway. */
function findClientId(item: Record<string, unknown>): string | undefined {
  for (const holder of [item, item['metadata'], item['client_metadata']]) {
    if (!isRecord(holder)) continue;
    for (const key of CLIENT_ID_KEYS) {
      const value = holder[key];
      if (typeof value === 'string' && value !== '') return value;
    }
  }
  return undefined;
}

function outputText(output: unknown): string {
  if (typeof output === 'string') return output;
  if (Array.isArray(output)) return messageText(output);
  if (isRecord(output) && typeof output['content'] === 'string') return output['content'];
  return output === undefined ? '' : JSON.stringify(output);
}

/**
 * exec_command results start with a header (`Chunk ID:`, `Wall time:`, `Process exited with code 0`,
 * `Output:`); what the command printed is what follows `Output:`.
 */
function printedOutput(output: string): string {
  const m = /^(?:Chunk ID|Exit code|Wall time|Process)[^\n]*\n(?:[^\n]*\n)*?Output:\n/.exec(output);
  return (m ? output.slice(m[0].length) : output).trimEnd();
}
