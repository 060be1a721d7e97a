import { describe, expect, it } from 'vitest';
import { DispatchError } from '../../src/shared/errors.js';
import {
  addFilePatch,
  CLOSING_MESSAGE_TEXT,
  describeScriptLanguage,
  parseDirectives,
  readModelInput,
  scriptForText,
  selectStep,
  SimScriptError,
  splitIntoChunks,
  validateRules,
  type ModelInputView,
  type SimRule,
  type SimStep,
} from '../../src/simulator/index.js';

const user = (text: string) => ({ type: 'message', role: 'user', content: [{ type: 'input_text', text }] });
const call = (id: string) => ({ type: 'function_call', call_id: id, name: 'exec_command', arguments: '{"cmd":"x"}' });
const output = (id: string, text: string) => ({ type: 'function_call_output', call_id: id, output: text });
const customOutput = (id: string, text: string) => ({ type: 'custom_tool_call_output', call_id: id, output: text });
const execOutput = (printed: string) =>
  `Chunk ID: 9925be\nWall time: 0.0000 seconds\nProcess exited with code 0\nOriginal token count: 3\nOutput:\n${printed}`;

function view(text: string, toolOutputs = 0, lastToolOutput?: string): ModelInputView {
  return {
    lastUserText: text,
    toolOutputs: Array.from({ length: toolOutputs }, (_, i) => ({ callId: `c${i}`, kind: 'function' as const, output: '' })),
    lastToolOutput,
    clientUserMessageIds: [],
  };
}

function parseError(text: string): SimScriptError {
  try {
    parseDirectives(text);
  } catch (error) {
    if (error instanceof SimScriptError) return error;
    throw error;
  }
  throw new Error(`expected ${JSON.stringify(text)} to be rejected`);
}

describe('parseDirectives', () => {
  it('returns undefined for text without directives', () => {
    expect(parseDirectives('hello there')).toBeUndefined();
    expect(parseDirectives('mail me @sim please')).toBeUndefined();
    expect(parseDirectives('@simple is not a directive')).toBeUndefined();
  });

  it('turns each directive line into a step, in order', () => {
    const steps = parseDirectives('please do this\n@sim shell echo hi > a.txt\n  @sim write notes.txt some content\n@sim reply Hello there');
    expect(steps).toEqual<SimStep[]>([
      { kind: 'shell', command: 'echo hi > a.txt' },
      { kind: 'patch', patch: '*** Begin Patch\n*** Add File: notes.txt\n+some content\n*** End Patch\n' },
      { kind: 'message', text: 'Hello there' },
    ]);
  });

  it('reads failures, hangs and help', () => {
    expect(parseDirectives('@sim fail 500')).toEqual([{ kind: 'fail', status: 500 }]);
    expect(parseDirectives('@sim fail the model fell over')).toEqual([{ kind: 'fail', message: 'the model fell over' }]);
    expect(parseDirectives('@sim hang')).toEqual([{ kind: 'hang' }]);
    expect(parseDirectives('@sim help')).toEqual([{ kind: 'message', text: describeScriptLanguage(), verbatim: true }]);
  });

  it('applies slow to the next reply only', () => {
    expect(parseDirectives('@sim slow 20x50\n@sim reply one\n@sim reply two')).toEqual([
      { kind: 'message', text: 'one', chunks: 20, chunkDelayMs: 50 },
      { kind: 'message', text: 'two' },
    ]);
  });

  it('makes a trailing slow stream an echo of the prose, or the closing message after tools', () => {
    expect(parseDirectives('@sim slow 3x10\nTell me a story')).toEqual([
      { kind: 'message', text: 'Echo: Tell me a story', chunks: 3, chunkDelayMs: 10 },
    ]);
    expect(parseDirectives('@sim shell ls\n@sim slow 2x5')).toEqual([
      { kind: 'shell', command: 'ls' },
      { kind: 'message', text: CLOSING_MESSAGE_TEXT, chunks: 2, chunkDelayMs: 5 },
    ]);
  });

  it('unescapes \\n in replies and written content, not in shell commands', () => {
    expect(parseDirectives('@sim reply a\\nb')).toEqual([{ kind: 'message', text: 'a\nb' }]);
    expect(parseDirectives('@sim write x.txt l1\\nl2')).toEqual([{ kind: 'patch', patch: addFilePatch('x.txt', 'l1\nl2') }]);
    expect(parseDirectives('@sim shell printf "a\\n"')).toEqual([{ kind: 'shell', command: 'printf "a\\n"' }]);
  });

  it('accepts CRLF line ends and upper-case verbs', () => {
    expect(parseDirectives('@sim REPLY hi\r\n@sim hang\r\n')).toEqual([{ kind: 'message', text: 'hi' }, { kind: 'hang' }]);
  });

  it('reads ask: questions with ids (q1, q2 by default) and options, several separated by ;;', () => {
    expect(parseDirectives('@sim ask color: Which color? | Red | Blue ;; Sure? | yes')).toEqual([
      {
        kind: 'ask',
        questions: [
          { id: 'color', header: 'color', question: 'Which color?', options: [{ label: 'Red', description: '' }, { label: 'Blue', description: '' }] },
          { id: 'q2', header: 'q2', question: 'Sure?', options: [{ label: 'yes', description: '' }] },
        ],
      },
    ]);
  });

  it('reads mcp as a tool_search step then the namespaced call', () => {
    expect(parseDirectives('@sim mcp deploy deploy {"x":1}')).toEqual([
      { kind: 'toolSearch', query: 'deploy' },
      { kind: 'call', namespace: 'mcp__deploy', name: 'deploy', arguments: '{"x":1}' },
    ]);
  });

  it.each([
    ['@sim mcp deploy', 2, /needs a server and a tool/],
    ['@sim mcp deploy deploy {x', 2, /must be JSON/],
    ['@sim ask', 2, /ask needs a question/],
    ['@sim ask Why?', 2, /every question needs options/],
    ['@sim ask a: x? | 1 ;; a: y? | 2', 2, /ids must differ/],
    ['@sim ask a? | 1 ;; b? | 1 ;; c? | 1 ;; d? | 1', 2, /at most 3/],
    ['@sim slow abc', 2, /slow expects/],
    ['@sim slow 0x10', 2, /chunks must be/],
    ['@sim slow 5x999999', 2, /delay must be/],
    ['@sim reply', 2, /reply needs a text/],
    ['@sim shell   ', 2, /shell needs a command/],
    ['@sim write', 2, /write needs a path/],
    ['@sim fail', 2, /fail needs/],
    ['@sim fail 200', 2, /between 400 and 599/],
    ['@sim hang now', 2, /hang takes no argument/],
    ['@sim usage 10', 2, /usage expects/],
    ['@sim usage 10 5 11', 2, /cached tokens are part of the input/],
    ['@sim usage 10 5 0 6', 2, /reasoning tokens are part of the output/],
    ['@sim dance', 2, /unknown directive "dance"/],
    ['@sim', 2, /missing directive/],
  ])('rejects %j with a typed error', (directive, line, message) => {
    const error = parseError(`intro\n${directive}`);
    expect(error).toBeInstanceOf(DispatchError);
    expect(error.code).toBe('validation');
    expect(error.line).toBe(line);
    expect(error.directive).toBe(directive.trim());
    expect(error.message).toMatch(message);
    expect(error.data).toEqual({ line, directive: directive.trim() });
  });
});

describe('addFilePatch', () => {
  it('builds an Add File patch whatever the trailing newline', () => {
    const expected = '*** Begin Patch\n*** Add File: dir/x.txt\n+hello\n+world\n*** End Patch\n';
    expect(addFilePatch('dir/x.txt', 'hello\nworld')).toBe(expected);
    expect(addFilePatch('dir/x.txt', 'hello\nworld\n')).toBe(expected);
    expect(addFilePatch('empty.txt', '')).toBe('*** Begin Patch\n*** Add File: empty.txt\n*** End Patch\n');
  });

  it('refuses an empty or multi-line path', () => {
    expect(() => addFilePatch(' ', 'x')).toThrow(DispatchError);
    expect(() => addFilePatch('a\nb', 'x')).toThrow(/invalid patch path/);
  });
});

describe('scriptForText', () => {
  const rules: SimRule[] = [
    { match: 'deploy', steps: [{ kind: 'shell', command: 'make deploy' }] },
    { match: /^review\b/i, steps: [{ kind: 'message', text: 'LGTM' }] },
  ];

  it('prefers the first matching rule, then directives, then an echo', () => {
    expect(scriptForText('please deploy\n@sim reply no', rules)).toEqual({ source: 'rule', ruleIndex: 0, steps: rules[0]?.steps });
    expect(scriptForText('Review this', rules)).toMatchObject({ source: 'rule', ruleIndex: 1 });
    expect(scriptForText('@sim reply yes', rules)).toEqual({ source: 'directive', steps: [{ kind: 'message', text: 'yes' }] });
    expect(scriptForText('hello', rules)).toEqual({ source: 'default', steps: [{ kind: 'message', text: 'Echo: hello', verbatim: true }] });
  });

  it('gives the same answer for a global RegExp every time', () => {
    const global: SimRule[] = [{ match: /hit/g, steps: [{ kind: 'hang' }] }];
    expect(scriptForText('a hit', global).source).toBe('rule');
    expect(scriptForText('a hit', global).source).toBe('rule');
  });

  it('answers a malformed directive with a message naming the problem', () => {
    const script = scriptForText('@sim slow abc');
    expect(script.source).toBe('directive');
    expect(script.steps).toHaveLength(1);
    const step = script.steps[0];
    expect(step?.kind).toBe('message');
    expect(step?.kind === 'message' ? step.text : '').toMatch(/invalid directive on line 1 \(@sim slow abc\): slow expects/);
  });
});

describe('selectStep', () => {
  it('plays step k for the k-th request of the turn and closes with a message past the end', () => {
    const text = '@sim shell echo hi\n@sim write a.txt x';
    expect(selectStep(view(text, 0)).step).toEqual({ kind: 'shell', command: 'echo hi' });
    expect(selectStep(view(text, 1)).step.kind).toBe('patch');
    expect(selectStep(view(text, 2))).toMatchObject({ index: 2, step: { kind: 'message', text: CLOSING_MESSAGE_TEXT } });
    expect(selectStep(view(text, 7))).toMatchObject({ index: 2, step: { kind: 'message', text: CLOSING_MESSAGE_TEXT } });
  });

  it('fills in the last tool output', () => {
    const selected = selectStep(view('@sim shell echo hi\n@sim reply It printed: {{last_tool_output}} ({{last_tool_output}})', 1, 'hi'));
    expect(selected.step).toEqual({ kind: 'message', text: 'It printed: hi (hi)' });
  });

  it('sends the @sim help text and echoes as written, placeholder included', () => {
    const help = selectStep(view('@sim help', 0, 'tool said this'));
    expect(help.step).toMatchObject({ kind: 'message', text: describeScriptLanguage() });
    expect(help.step.kind === 'message' ? help.step.text : '').toContain('In a reply, {{last_tool_output}} is replaced');
    expect(selectStep(view('say {{last_tool_output}}', 0, 'tool said this')).step).toMatchObject({ text: 'Echo: say {{last_tool_output}}' });
  });

  it('echoes an empty prompt when there is no user message', () => {
    const none: ModelInputView = { lastUserText: undefined, toolOutputs: [], lastToolOutput: undefined, clientUserMessageIds: [] };
    expect(selectStep(none).step).toEqual({ kind: 'message', text: 'Echo: ', verbatim: true });
  });
});

describe('readModelInput', () => {
  it('counts tool outputs after the last user message only', () => {
    const input = [
      { type: 'message', role: 'developer', content: [{ type: 'input_text', text: 'be nice' }] },
      user('<environment_context>\n  <cwd>/w</cwd>\n</environment_context>'),
      user('first'),
      call('c1'),
      output('c1', execOutput('one\n')),
      { type: 'message', role: 'assistant', content: [{ type: 'output_text', text: 'ok' }] },
      user('second'),
      call('c2'),
      output('c2', execOutput('two\n')),
      { type: 'custom_tool_call', call_id: 'c3', name: 'apply_patch', input: '…' },
      customOutput('c3', 'Success. Updated the following files:\nA x.txt\n'),
    ];
    const read = readModelInput(input);
    expect(read.lastUserText).toBe('second');
    expect(read.toolOutputs.map((o) => [o.callId, o.kind])).toEqual([
      ['c2', 'function'],
      ['c3', 'custom'],
    ]);
    expect(read.lastToolOutput).toBe('Success. Updated the following files:\nA x.txt');
    expect(read.clientUserMessageIds).toEqual([]);
  });

  it('reduces exec_command output to what the command printed', () => {
    const read = readModelInput([user('go'), call('c1'), output('c1', execOutput('probe-out\n'))]);
    expect(read.lastToolOutput).toBe('probe-out');
  });

  it('skips codex context messages such as <turn_aborted> and joins text parts', () => {
    const read = readModelInput([
      { type: 'message', role: 'user', content: [{ type: 'input_text', text: 'part one' }, { type: 'input_image', image_url: 'x' }, { type: 'input_text', text: 'part two' }] },
      user('<turn_aborted>\nThe user interrupted the previous turn on purpose.\n</turn_aborted>'),
    ]);
    expect(read.lastUserText).toBe('part one\npart two');
  });

  it('takes a steer as the newest user message, resetting the step count', () => {
    const read = readModelInput([user('slow one'), call('c1'), output('c1', 'x'), user('steered text')]);
    expect(read.lastUserText).toBe('steered text');
    expect(read.toolOutputs).toHaveLength(0);
  });

  it('collects client ids when a user message carries one, and survives junk items', () => {
    const read = readModelInput([
      null,
      42,
      'text',
      { type: 'message', role: 'user', client_id: 'client-1', content: [{ type: 'input_text', text: 'a' }] },
      { type: 'message', role: 'user', metadata: { clientUserMessageId: 'client-2' }, content: 'b' },
      { type: 'function_call_output', output: { weird: true } },
    ]);
    expect(read.clientUserMessageIds).toEqual(['client-1', 'client-2']);
    expect(read.lastUserText).toBe('b');
    expect(read.toolOutputs).toEqual([{ callId: '', kind: 'function', output: '{"weird":true}' }]);
  });
});

describe('splitIntoChunks', () => {
  it('splits into near-equal pieces without breaking code points', () => {
    expect(splitIntoChunks('abcdefghij', 3)).toEqual(['abc', 'def', 'ghij']);
    expect(splitIntoChunks('ab', 5)).toEqual(['a', 'b']);
    expect(splitIntoChunks('', 5)).toEqual([]);
    expect(splitIntoChunks('😀😀', 2)).toEqual(['😀', '😀']);
    expect(splitIntoChunks('abcdefghij', 3).join('')).toBe('abcdefghij');
  });
});

describe('validateRules', () => {
  it('accepts good rules and names the bad one', () => {
    expect(() => validateRules([{ match: 'x', steps: [{ kind: 'message', text: 'y', chunks: 2, chunkDelayMs: 0 }] }])).not.toThrow();
    expect(() => validateRules([{ match: 'x', steps: [] }])).toThrow(/rules\[0\]\.steps must be a non-empty array/);
    expect(() => validateRules([{ match: 'x', steps: [{ kind: 'message', text: 'y', chunks: 0 }] }])).toThrow(/rules\[0\]\.steps\[0\]: chunks/);
    expect(() => validateRules([{ match: 'x', steps: [{ kind: 'fail', status: 200 }] }])).toThrow(/400-599/);
    expect(() => validateRules([{ match: 'x', steps: [{ kind: 'shell', command: '' }] }])).toThrow(/shell command/);
    expect(() => validateRules([{ match: 3 as unknown as string, steps: [{ kind: 'hang' }] }])).toThrow(/match must be/);
    expect(() => validateRules([{ match: 'x', steps: [{ kind: 'dance' } as unknown as SimStep] }])).toThrow(/unknown step kind "dance"/);
  });
});

describe('@sim usage', () => {
  it('sets the usage every response of the turn reports, and is no step itself', () => {
    const script = scriptForText('@sim usage 1000 200 300 50\n@sim shell echo hi');
    expect(script).toEqual({ source: 'directive', steps: [{ kind: 'shell', command: 'echo hi' }], usage: { input: 1000, output: 200, cached: 300, reasoning: 50 } });
    expect(scriptForText('@sim usage 10 5\n@sim reply ok').usage).toEqual({ input: 10, output: 5, cached: 0, reasoning: 0 });
    expect(scriptForText('@sim reply ok').usage).toBeUndefined();
    expect(parseDirectives('@sim usage 10 5\n@sim reply ok')).toEqual([{ kind: 'message', text: 'ok' }]);
  });
});

describe('describeScriptLanguage', () => {
  it('documents every directive', () => {
    const help = describeScriptLanguage();
    for (const verb of ['reply', 'shell', 'write', 'fail', 'hang', 'slow', 'usage', 'help']) expect(help).toContain(`@sim ${verb}`);
    expect(help).toContain('{{last_tool_output}}');
  });
});
