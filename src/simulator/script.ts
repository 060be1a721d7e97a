import { DispatchError } from '../shared/errors.js';
import type { ModelInputView } from './modelInput.js';
import { parseRateLimitDirective } from './rateLimits.js';

/** Streams an assistant message, optionally in several deltas spaced out in time. */
export interface MessageStep {
  kind: 'message';
  text: string;
  /** Number of `response.output_text.delta` events (default 1). */
  chunks?: number;
  /** Pause between two deltas, in ms (default 0). */
  chunkDelayMs?: number;
  /** Sent exactly as written: {{last_tool_output}} is not filled in (help and echoes quote it). */
  verbatim?: boolean;
}

/** Asks codex to run a shell command through its `exec_command` tool. */
export interface ShellStep {
  kind: 'shell';
  command: string;
  /** Sent as exec_command's `login` argument; omitted means codex's default (`bash -lc`). */
  login?: boolean;
}

/** Asks codex to apply a patch through its freeform `apply_patch` tool. */
export interface PatchStep {
  kind: 'patch';
  patch: string;
}

/** One question of an ask step, as the model passes it to `request_user_input`. */
export interface AskQuestion {
  id: string;
  header: string;
  question: string;
  options: Array<{ label: string; description: string }>;
}

/** Asks the user through codex's `request_user_input` tool (1-3 questions); codex puts the answers in the next request. */
export interface AskStep {
  kind: 'ask';
  questions: AskQuestion[];
}

/** Searches codex's deferred tools (MCP tools are only callable once `tool_search` exposed them). */
export interface ToolSearchStep {
  kind: 'toolSearch';
  query: string;
}

/** Calls a tool in a namespace, as MCP tools are called: namespace `mcp__<server>`, name `<tool>`. */
export interface NamespacedCallStep {
  kind: 'call';
  namespace: string;
  name: string;
  /** JSON text of the arguments. */
  arguments: string;
}

/** Answers with an HTTP error status instead of a stream. */
export interface HttpFailStep {
  kind: 'fail';
  status: number;
}

/** Opens the stream and ends it with `response.failed`. */
export interface StreamFailStep {
  kind: 'fail';
  message: string;
  /** The error code in `response.failed` (default `server_error`). */
  code?: string;
}

/** Sends the SSE headers, then nothing, until the client disconnects or the server closes. */
export interface HangStep {
  kind: 'hang';
}

/** What the simulated model does for one `/responses` request. */
export type SimStep = MessageStep | ShellStep | PatchStep | AskStep | ToolSearchStep | NamespacedCallStep | HttpFailStep | StreamFailStep | HangStep;

/** The kinds of step, for request logs. */
export type SimStepKind = SimStep['kind'];

/** A scripted turn: `match` is tested against the last user message (a string matches as a substring). */
export interface SimRule {
  match: string | RegExp;
  steps: readonly SimStep[];
}

/** Where a turn's script came from. */
export type ScriptSource = 'rule' | 'directive' | 'default';

/** Token counts a response reports instead of the estimate (`@sim usage`); cached is part of input, reasoning of output. */
export interface SimUsage {
  input: number;
  output: number;
  cached: number;
  reasoning: number;
}

/** The steps chosen for a turn from its last user message. */
export interface TurnScript {
  source: ScriptSource;
  steps: readonly SimStep[];
  /** Index into the rules when `source` is `rule`. */
  ruleIndex?: number;
  /** What every response of the turn reports as its usage; the estimate when absent. */
  usage?: SimUsage;
}

/** The step to play for one request, and why. */
export interface SelectedStep {
  step: SimStep;
  /** Index in the script; equal to `script.steps.length` for the closing message after the script ran out. */
  index: number;
  script: TurnScript;
}

/** Most tokens `@sim usage` may report in one field. */
const MAX_SIM_TOKENS = 1_000_000_000;

/** A malformed `@sim` directive; `line` is 1-based within the user message. */
export class SimScriptError extends DispatchError {
  readonly line: number;
  readonly directive: string;

  constructor(message: string, line: number, directive: string) {
    super('validation', `line ${line} (${directive}): ${message}`, { data: { line, directive } });
    this.line = line;
    this.directive = directive;
  }
}

/** Placeholder in message text replaced by the newest tool output of the request. */
export const LAST_TOOL_OUTPUT_PLACEHOLDER = '{{last_tool_output}}';

/** The message that closes a turn once its script has no steps left. */
export const CLOSING_MESSAGE_TEXT = 'Done.';

const DIRECTIVE_LINE = /^[ \t]*@sim(?:[ \t]+(.*))?$/;
const MAX_CHUNKS = 10_000;
const MAX_CHUNK_DELAY_MS = 60_000;

/** Builds an apply_patch body that adds one file with the given content. */
export function addFilePatch(path: string, content: string): string {
  if (path.trim() === '' || /[\r\n]/.test(path)) {
    throw new DispatchError('validation', `invalid patch path ${JSON.stringify(path)}`);
  }
  const body = content.endsWith('\n') ? content.slice(0, -1) : content;
  const lines = content === '' ? [] : body.split('\n').map((line) => `+${line}`);
  return ['*** Begin Patch', `*** Add File: ${path}`, ...lines, '*** End Patch', ''].join('\n');
}

/** Help text for the `@sim` directive language, shown by `@sim help`. */
export function describeScriptLanguage(): string {
  return [
    'dispatch simulated model: put one directive per line in the prompt, each line starting with "@sim ".',
    'Each directive that is a step answers one model request of the turn, in order:',
    '  @sim reply <text>            answer with a message (\\n in the text is a newline)',
    '  @sim shell <command>         run <command> with the exec_command tool',
    '  @sim write <path> <content>  add a file with apply_patch (\\n in the content is a newline)',
    '  @sim mcp <server> <tool> [json]  find the MCP tool with tool_search, then call it (two requests)',
    '  @sim ask [id:] <question> | <option> [| <option>]...  ask the user (request_user_input); " ;; " separates questions',
    '  @sim fail <status>           answer with HTTP <status> (400-599)',
    '  @sim fail <message>          end the stream with response.failed carrying <message>',
    '  @sim hang                    open the stream and send nothing',
    '  @sim slow <chunks>x<ms>      stream the next reply in <chunks> deltas <ms> apart',
    '  @sim usage <in> <out> [<cached> [<reasoning>]]  every response of the turn reports these tokens (cached of in, reasoning of out)',
    '  @sim ratelimit primary=<pct> [resets=60s] [window=<min>] [secondary=<pct> secondary-resets=2h]',
    '                               report these rate-limit windows on every answer from now on ("off" stops)',
    '  @sim help                    answer with this text',
    `In a reply, ${LAST_TOOL_OUTPUT_PLACEHOLDER} is replaced by what the newest tool call printed.`,
    `When the steps run out the turn ends with "${CLOSING_MESSAGE_TEXT}". A trailing "slow" applies to a reply`,
    'echoing the prompt without its directive lines. A prompt without directives is answered "Echo: <prompt>".',
  ].join('\n');
}

/** Parses the `@sim` lines of a user message into steps; undefined when it has none. */
export function parseDirectives(text: string): SimStep[] | undefined {
  return parseScript(text)?.steps;
}

/** Parses the `@sim` lines of a user message into steps and the usage they report; undefined when it has none. */
function parseScript(text: string): { steps: SimStep[]; usage?: SimUsage } | undefined {
  const lines = text.split(/\r?\n/);
  const steps: SimStep[] = [];
  const prose: string[] = [];
  let found = false;
  let usage: SimUsage | undefined;
  let slow: { chunks: number; chunkDelayMs: number } | undefined;
  lines.forEach((raw, i) => {
    const match = DIRECTIVE_LINE.exec(raw);
    if (!match) {
      prose.push(raw);
      return;
    }
    found = true;
    const lineNo = i + 1;
    const body = (match[1] ?? '').trim();
    const space = body.search(/\s/);
    const verb = (space < 0 ? body : body.slice(0, space)).toLowerCase();
    const rest = space < 0 ? '' : body.slice(space).trim();
    const fail = (message: string): never => {
      throw new SimScriptError(message, lineNo, raw.trim());
    };
    switch (verb) {
      case '':
        return fail('missing directive; try "@sim help"');
      case 'reply': {
        if (rest === '') return fail('reply needs a text');
        steps.push(slow ? { kind: 'message', text: unescapeText(rest), ...slow } : { kind: 'message', text: unescapeText(rest) });
        slow = undefined;
        return;
      }
      case 'shell':
        if (rest === '') return fail('shell needs a command');
        steps.push({ kind: 'shell', command: rest });
        return;
      case 'write': {
        if (rest === '') return fail('write needs a path and optional content');
        const gap = rest.search(/\s/);
        const path = gap < 0 ? rest : rest.slice(0, gap);
        const content = gap < 0 ? '' : unescapeText(rest.slice(gap).replace(/^[ \t]/, ''));
        steps.push({ kind: 'patch', patch: addFilePatch(path, content) });
        return;
      }
      case 'mcp': {
        const m = /^(\S+)\s+(\S+)(?:\s+(.+))?$/.exec(rest);
        if (!m?.[1] || !m[2]) return fail('mcp needs a server and a tool, for example "@sim mcp deploy deploy {}"');
        const args = m[3] ?? '{}';
        try {
          JSON.parse(args);
        } catch {
          return fail('mcp arguments must be JSON');
        }
        steps.push({ kind: 'toolSearch', query: m[2] }, { kind: 'call', namespace: `mcp__${m[1]}`, name: m[2], arguments: args });
        return;
      }
      case 'ask': {
        if (rest === '') return fail('ask needs a question, for example "@sim ask color: Which color? | Red | Blue"');
        const questions = rest.split(/\s+;;\s+/).map((text, i) => askQuestion(text, i));
        if (questions.length > 3) return fail('ask takes at most 3 questions (request_user_input allows 1 to 3)');
        if (new Set(questions.map((q) => q.id)).size !== questions.length) return fail('question ids must differ');
        // codex refuses the call otherwise ("request_user_input requires non-empty options for every question").
        if (questions.some((q) => q.options.length === 0)) return fail('every question needs options: "@sim ask Which color? | Red | Blue"');
        steps.push({ kind: 'ask', questions });
        return;
      }
      case 'slow': {
        const m = /^(\d+)x(\d+)$/i.exec(rest);
        if (!m) return fail('slow expects <chunks>x<delayMs>, for example "@sim slow 20x50"');
        const chunks = Number(m[1]);
        const chunkDelayMs = Number(m[2]);
        if (chunks < 1 || chunks > MAX_CHUNKS) return fail(`chunks must be between 1 and ${MAX_CHUNKS}`);
        if (chunkDelayMs > MAX_CHUNK_DELAY_MS) return fail(`delay must be at most ${MAX_CHUNK_DELAY_MS} ms`);
        slow = { chunks, chunkDelayMs };
        return;
      }
      case 'fail': {
        if (rest === '') return fail('fail needs an HTTP status (400-599) or a message');
        if (/^\d+$/.test(rest)) {
          const status = Number(rest);
          if (status < 400 || status > 599) return fail('an HTTP failure status must be between 400 and 599');
          steps.push({ kind: 'fail', status });
        } else {
          steps.push({ kind: 'fail', message: rest });
        }
        return;
      }
      case 'usage': {
        const m = /^(\d+)\s+(\d+)(?:\s+(\d+)(?:\s+(\d+))?)?$/.exec(rest);
        if (!m) return fail('usage expects <input> <output> [<cached> [<reasoning>]], for example "@sim usage 1200 300 200 50"');
        const [input, output, cached, reasoning] = [m[1], m[2], m[3] ?? '0', m[4] ?? '0'].map(Number) as [number, number, number, number];
        if ([input, output].some((n) => n > MAX_SIM_TOKENS)) return fail(`token counts must be at most ${MAX_SIM_TOKENS}`);
        if (cached > input) return fail('cached tokens are part of the input: at most <input>');
        if (reasoning > output) return fail('reasoning tokens are part of the output: at most <output>');
        usage = { input, output, cached, reasoning };
        return;
      }
      case 'hang':
        if (rest !== '') return fail('hang takes no argument');
        steps.push({ kind: 'hang' });
        return;
      case 'ratelimit':
        // Not a step: the provider reports these windows on every answer from now on (server.ts).
        try {
          parseRateLimitDirective(rest, new Date());
        } catch (error) {
          return fail((error as Error).message);
        }
        return;
      case 'help':
        steps.push({ kind: 'message', text: describeScriptLanguage(), verbatim: true });
        return;
      default:
        return fail(`unknown directive "${verb}"; try "@sim help"`);
    }
  });
  if (!found) return undefined;
  if (slow) {
    // "slow" promises a slow reply; when no reply directive follows, make one so the promise holds.
    const remaining = prose.join('\n').trim();
    const onlyMessages = steps.every((step) => step.kind === 'message');
    const text = onlyMessages && remaining !== '' ? `Echo: ${remaining}` : CLOSING_MESSAGE_TEXT;
    steps.push({ kind: 'message', text, ...slow });
  }
  return usage ? { steps, usage } : { steps };
}

/** Checks steps given by code (rules) and throws a validation error naming the bad one. */
export function validateSteps(steps: readonly SimStep[], where = 'steps'): void {
  if (!Array.isArray(steps) || steps.length === 0) {
    throw new DispatchError('validation', `${where} must be a non-empty array`);
  }
  steps.forEach((step: SimStep, i) => {
    const bad = (why: string): never => {
      throw new DispatchError('validation', `${where}[${i}]: ${why}`);
    };
    switch (step.kind) {
      case 'message':
        if (typeof step.text !== 'string') bad('message text must be a string');
        if (step.chunks !== undefined && (!Number.isInteger(step.chunks) || step.chunks < 1 || step.chunks > MAX_CHUNKS)) {
          bad(`chunks must be an integer between 1 and ${MAX_CHUNKS}`);
        }
        if (
          step.chunkDelayMs !== undefined &&
          (!Number.isFinite(step.chunkDelayMs) || step.chunkDelayMs < 0 || step.chunkDelayMs > MAX_CHUNK_DELAY_MS)
        ) {
          bad(`chunkDelayMs must be between 0 and ${MAX_CHUNK_DELAY_MS}`);
        }
        return;
      case 'shell':
        if (typeof step.command !== 'string' || step.command.trim() === '') bad('shell command must be a non-empty string');
        return;
      case 'patch':
        if (typeof step.patch !== 'string' || step.patch.trim() === '') bad('patch must be a non-empty string');
        return;
      case 'fail':
        if ('status' in step) {
          if (!Number.isInteger(step.status) || step.status < 400 || step.status > 599) bad('fail status must be an integer 400-599');
        } else if (typeof step.message !== 'string' || step.message === '') {
          bad('fail needs a status or a non-empty message');
        }
        return;
      case 'ask':
        if (!Array.isArray(step.questions) || step.questions.length < 1 || step.questions.length > 3) bad('ask needs 1 to 3 questions');
        if (step.questions.some((q) => !Array.isArray(q.options) || q.options.length === 0)) bad('every ask question needs options');
        return;
      case 'toolSearch':
        if (typeof step.query !== 'string' || step.query === '') bad('toolSearch needs a query');
        return;
      case 'call':
        if (typeof step.namespace !== 'string' || typeof step.name !== 'string' || typeof step.arguments !== 'string') bad('call needs namespace, name and arguments');
        return;
      case 'hang':
        return;
      default:
        bad(`unknown step kind ${JSON.stringify((step as { kind?: unknown }).kind)}`);
    }
  });
}

/** Checks a rule list given by code; throws a validation error naming the bad rule. */
export function validateRules(rules: readonly SimRule[]): void {
  if (!Array.isArray(rules)) throw new DispatchError('validation', 'rules must be an array');
  rules.forEach((rule: SimRule, i) => {
    if (typeof rule.match !== 'string' && !(rule.match instanceof RegExp)) {
      throw new DispatchError('validation', `rules[${i}].match must be a string or a RegExp`);
    }
    validateSteps(rule.steps, `rules[${i}].steps`);
  });
}

/** Picks the script for a user message: the first matching rule, else its directives, else an echo. */
export function scriptForText(text: string, rules: readonly SimRule[] = []): TurnScript {
  for (const [ruleIndex, rule] of rules.entries()) {
    // search() ignores lastIndex, so a /g or /y RegExp gives the same answer every time.
    const hit = typeof rule.match === 'string' ? text.includes(rule.match) : text.search(rule.match) >= 0;
    if (hit) return { source: 'rule', steps: rule.steps, ruleIndex };
  }
  try {
    const script = parseScript(text);
    if (script) return { source: 'directive', ...script };
  } catch (error) {
    if (!(error instanceof SimScriptError)) throw error;
    // A typo in a prompt should reach the user as an answer, not as a provider outage.
    return {
      source: 'directive',
      steps: [{ kind: 'message', text: `dispatch-sim: invalid directive on ${error.message}. Send "@sim help" for the syntax.`, verbatim: true }],
    };
  }
  return { source: 'default', steps: [{ kind: 'message', text: `Echo: ${text}`, verbatim: true }] };
}

/** Chooses the step for one model request from its input view. */
export function selectStep(view: ModelInputView, rules: readonly SimRule[] = []): SelectedStep {
  const script = scriptForText(view.lastUserText ?? '', rules);
  const index = Math.min(view.toolOutputs.length, script.steps.length);
  const step = script.steps[index] ?? { kind: 'message', text: CLOSING_MESSAGE_TEXT };
  if (step.kind !== 'message' || step.verbatim === true || !step.text.includes(LAST_TOOL_OUTPUT_PLACEHOLDER)) return { step, index, script };
  const output = view.lastToolOutput ?? '';
  return { step: { ...step, text: step.text.split(LAST_TOOL_OUTPUT_PLACEHOLDER).join(output) }, index, script };
}

/** Splits text into at most `chunks` pieces of near-equal length without breaking a code point. */
export function splitIntoChunks(text: string, chunks: number): string[] {
  const points = Array.from(text);
  if (points.length === 0) return [];
  const count = Math.max(1, Math.min(Math.floor(chunks), points.length));
  const pieces: string[] = [];
  for (let i = 0; i < count; i++) {
    const start = Math.floor((i * points.length) / count);
    const end = Math.floor(((i + 1) * points.length) / count);
    pieces.push(points.slice(start, end).join(''));
  }
  return pieces;
}

/** `color: Which color? | Red | Blue` → a question with id `color` and two options; the id defaults to q1, q2, … */
function askQuestion(text: string, index: number): AskQuestion {
  const [head = '', ...options] = text.split('|').map((part) => part.trim());
  const m = /^([a-z][a-z0-9_]*):\s+(.+)$/.exec(head);
  const id = m?.[1] ?? `q${index + 1}`;
  return { id, header: id.slice(0, 12), question: m?.[2] ?? head, options: options.filter((o) => o !== '').map((label) => ({ label, description: '' })) };
}

function unescapeText(text: string): string {
  return text.replace(/\\([nt\\])/g, (_all, c: string) => (c === 'n' ? '\n' : c === 't' ? '\t' : '\\'));
}
