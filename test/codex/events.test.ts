import { describe, expect, it } from 'vitest';
import {
  laneItemOf,
  laneStatusOf,
  lastAgentMessageOf,
  projectNotification,
  projectServerRequest,
  rateLimitsOf,
  threadIdOf,
  turnFailureOf,
} from '../../src/codex/events.js';
import type { LaneEvent } from '../../src/core/laneEvents.js';
import type { ServerNotification, ServerRequest, ServerRequestParams, ThreadItem } from '../../src/protocol/index.js';

// Messages below marked "captured" are copied verbatim from the real codex 0.169.0 transcripts in
// test/fixtures/codex-0.169.0/ (the file is named next to each). Synthetic ones are typed against the
// generated protocol with `satisfies`, so they cannot drift from what the pinned codex could send.

const THREAD_02 = '01a210e9-2e2e-7e00-9e61-95965d27737b';
const TURN_02 = '01a210e9-2e3a-78c3-a223-fb2dd4a53676';

// captured: 02-plain-turn
const turnStarted02 = {
  method: 'turn/started',
  params: {
    threadId: THREAD_02,
    turn: {
      id: TURN_02,
      rootTurnId: TURN_02,
      items: [],
      itemsView: 'notLoaded',
      status: 'inProgress',
      error: null,
      startedAt: 1795580046,
      completedAt: null,
      durationMs: null,
    },
  },
  emittedAtMs: 1795580046924,
};

// captured: 02-plain-turn
const statusActive02 = {
  method: 'thread/status/changed',
  params: { threadId: THREAD_02, status: { type: 'active', activeFlags: [] } },
  emittedAtMs: 1795580046924,
};

// captured: 02-plain-turn
const userMessageStarted02 = {
  method: 'item/started',
  params: {
    item: {
      type: 'userMessage',
      id: '01a210e9-2e56-7792-8011-02f27accbb0a',
      clientId: null,
      content: [{ type: 'text', text: 'hello there', text_elements: [] }],
      startedAtMs: 1795580046934,
      completedAtMs: null,
    },
    threadId: THREAD_02,
    turnId: TURN_02,
    startedAtMs: 1795580046934,
  },
  emittedAtMs: 1795580046935,
};

// captured: 02-plain-turn
const agentMessageStarted02 = {
  method: 'item/started',
  params: {
    item: {
      type: 'agentMessage',
      moderation: null,
      id: 'msg_resp_1',
      text: '',
      phase: null,
      memoryCitation: null,
      delivery: null,
      questions: null,
      startedAtMs: 1795580046958,
      completedAtMs: null,
    },
    threadId: THREAD_02,
    turnId: TURN_02,
    startedAtMs: 1795580046958,
  },
  emittedAtMs: 1795580046958,
};

// captured: 02-plain-turn
const agentMessageDelta02 = {
  method: 'item/agentMessage/delta',
  params: { threadId: THREAD_02, turnId: TURN_02, itemId: 'msg_resp_1', delta: 'Echo: ' },
  emittedAtMs: 1795580046958,
};

// captured: 02-plain-turn
const agentMessageItem02 = {
  type: 'agentMessage',
  moderation: null,
  id: 'msg_resp_1',
  text: 'Echo: hello there',
  phase: null,
  memoryCitation: null,
  delivery: null,
  questions: null,
  startedAtMs: 1795580046958,
  completedAtMs: 1795580046958,
};
const agentMessageCompleted02 = {
  method: 'item/completed',
  params: { item: agentMessageItem02, threadId: THREAD_02, turnId: TURN_02, contentTokenCount: null, completedAtMs: 1795580046958 },
  emittedAtMs: 1795580046961,
};

// captured: 02-plain-turn
const tokenUsage02 = {
  method: 'thread/tokenUsage/updated',
  params: {
    threadId: THREAD_02,
    turnId: TURN_02,
    tokenUsage: {
      total: { totalTokens: 15, inputTokens: 10, cachedInputTokens: 0, cacheWriteInputTokens: 0, outputTokens: 5, reasoningOutputTokens: 0 },
      last: { totalTokens: 15, inputTokens: 10, cachedInputTokens: 0, cacheWriteInputTokens: 0, outputTokens: 5, reasoningOutputTokens: 0 },
      modelContextWindow: 258400,
    },
  },
  emittedAtMs: 1795580046963,
};

// captured: 02-plain-turn
const statusIdle02 = { method: 'thread/status/changed', params: { threadId: THREAD_02, status: { type: 'idle' } }, emittedAtMs: 1795580046964 };

// captured: 02-plain-turn
const turnCompleted02 = {
  method: 'turn/completed',
  params: {
    threadId: THREAD_02,
    turn: {
      id: TURN_02,
      rootTurnId: TURN_02,
      items: [agentMessageItem02],
      itemsView: 'summary',
      status: 'completed',
      error: null,
      startedAt: 1795580046,
      completedAt: 1795580046,
      durationMs: 56,
    },
  },
  emittedAtMs: 1795580046968,
};

const THREAD_08 = '01a210e9-c363-7322-ad49-e4ecdb04d146';
const TURN_08 = '01a210e9-c373-7c31-a202-8e74a70ea61e';
const SCRIPTED_FAILURE = 'stream disconnected before completion: scripted failure';

// captured: 08-errors
const systemError08 = { method: 'thread/status/changed', params: { threadId: THREAD_08, status: { type: 'systemError' } }, emittedAtMs: 1795580085181 };

// captured: 08-errors
const error08 = {
  method: 'error',
  params: {
    error: { message: SCRIPTED_FAILURE, codexErrorInfo: 'other', additionalDetails: null, misalignment: null },
    willRetry: false,
    threadId: THREAD_08,
    turnId: TURN_08,
  },
  emittedAtMs: 1795580085181,
};

// captured: 08-errors
const turnFailed08 = {
  method: 'turn/completed',
  params: {
    threadId: THREAD_08,
    turn: {
      id: TURN_08,
      rootTurnId: TURN_08,
      items: [],
      itemsView: 'notLoaded',
      status: 'failed',
      error: { message: SCRIPTED_FAILURE, codexErrorInfo: 'other', additionalDetails: null, misalignment: null },
      startedAt: 1795580085,
      completedAt: 1795580085,
      durationMs: 73,
    },
  },
  emittedAtMs: 1795580085186,
};

// captured: 04a-steer-interrupt-kill
const turnInterrupted04a = {
  method: 'turn/completed',
  params: {
    threadId: '01a210e9-74c1-7830-9fdb-f67167514d6b',
    turn: {
      id: '01a210e9-74c9-70f0-bf66-587092771ea2',
      rootTurnId: '01a210e9-74c9-70f0-bf66-587092771ea2',
      items: [],
      itemsView: 'notLoaded',
      status: 'interrupted',
      error: null,
      startedAt: 1795580064,
      completedAt: 1795580065,
      durationMs: 1009,
    },
  },
  emittedAtMs: 1795580065981,
};

// captured: 03-tools-approvals
const waitingOnApproval03 = {
  method: 'thread/status/changed',
  params: { threadId: '01a210e9-45c5-7f30-a479-ce7243d30f06', status: { type: 'active', activeFlags: ['waitingOnApproval'] } },
  emittedAtMs: 1795580052982,
};

// captured: 03-tools-approvals
const commandCompleted03 = {
  method: 'item/completed',
  params: {
    item: {
      type: 'commandExecution',
      id: 'call_resp_1',
      pluginId: null,
      scriptPath: null,
      command: "/bin/bash -lc 'echo hi > a.txt && echo created-a'",
      cwd: '/scratch/03/workspace',
      processId: '38071',
      source: 'unifiedExecStartup',
      status: 'completed',
      commandActions: [{ type: 'unknown', command: 'echo hi > a.txt && echo created-a' }],
      aggregatedOutput: 'created-a\n',
      exitCode: 0,
      durationMs: 0,
      startedAtMs: 1795580052890,
      completedAtMs: 1795580052890,
    },
    threadId: '01a210e9-44a9-7cf1-a82e-09a5234d4e1a',
    turnId: '01a210e9-44ba-7de1-94a1-abda6cb50b16',
    contentTokenCount: null,
    completedAtMs: 1795580052890,
  },
  emittedAtMs: 1795580052893,
};

// captured: 03-tools-approvals
const commandApproval03 = {
  method: 'item/commandExecution/requestApproval',
  id: 0,
  params: {
    kind: 'command',
    threadId: '01a210e9-45c5-7f30-a479-ce7243d30f06',
    turnId: '01a210e9-45cb-7a70-8f1d-c185bb4b5dba',
    itemId: 'call_resp_3',
    startedAtMs: 1795580052982,
    environmentId: 'local',
    command: "/bin/bash -lc 'echo hi > b.txt && echo created-b'",
    cwd: '/scratch/03/workspace',
    commandActions: [{ type: 'unknown', command: 'echo hi > b.txt && echo created-b' }],
    proposedExecpolicyAmendment: ['/bin/bash', '-lc', 'echo hi > b.txt && echo created-b'],
    availableDecisions: ['accept', { acceptWithExecpolicyAmendment: { execpolicy_amendment: ['/bin/bash', '-lc', 'echo hi > b.txt && echo created-b'] } }, 'cancel'],
  },
};

// captured: 03-tools-approvals
const resolved03 = {
  method: 'serverRequest/resolved',
  params: { threadId: '01a210e9-45c5-7f30-a479-ce7243d30f06', requestId: 0 },
  emittedAtMs: 1795580052983,
};

// captured: 05-filechange
const fileChangeApproval05 = {
  method: 'item/fileChange/requestApproval',
  id: 0,
  params: {
    threadId: '01a210e9-9996-7641-9587-a0210f55c3c4',
    turnId: '01a210e9-999c-78f0-a216-9b405768e2b9',
    itemId: 'call_resp_3',
    startedAtMs: 1795580074446,
    reason: null,
    grantRoot: null,
  },
};

// captured: 05-filechange
const fileChangeCompleted05 = {
  method: 'item/completed',
  params: {
    item: {
      type: 'fileChange',
      id: 'call_resp_1',
      changes: [{ path: '/scratch/05/workspace/p1.txt', kind: { type: 'add' }, diff: 'hello-one\n' }],
      status: 'completed',
      startedAtMs: 1795580074340,
      completedAtMs: 1795580074341,
    },
    threadId: '01a210e9-9902-7dd1-a962-bb19e616983f',
    turnId: '01a210e9-9912-75d0-a984-d3a396382a80',
    contentTokenCount: null,
    completedAtMs: 1795580074341,
  },
  emittedAtMs: 1795580074342,
};

// captured: 09-sse-minimal (an item type events.ts has no summary for)
const reasoningStarted09 = {
  method: 'item/started',
  params: {
    item: { type: 'reasoning', id: 'rs1', summary: [], content: [], startedAtMs: 1795580093386, completedAtMs: null },
    threadId: '01a210e9-e224-7c23-aaf4-515881c6a7e8',
    turnId: '01a210e9-e3b3-7af2-875b-112b95ea96e9',
    startedAtMs: 1795580093386,
  },
  emittedAtMs: 1795580093386,
};

// captured: 04b-restart-resume
const goalCleared04b = { method: 'thread/goal/cleared', params: { threadId: '01a210e9-708c-73d1-a774-6d521ddc9712' }, emittedAtMs: 1795580068732 };

function only(events: LaneEvent[]): LaneEvent {
  expect(events).toHaveLength(1);
  const [event] = events;
  if (!event) throw new Error('no event');
  return event;
}

describe('projectNotification on captured codex 0.169.0 messages', () => {
  it('turn/started takes the turn id from params.turn.id', () => {
    expect(projectNotification(turnStarted02)).toEqual([{ type: 'turnStarted', laneId: THREAD_02, turnId: TURN_02 }]);
  });

  it('turn/completed (completed) carries the outcome, duration and the last agent message', () => {
    expect(projectNotification(turnCompleted02)).toEqual([
      { type: 'turnCompleted', laneId: THREAD_02, turnId: TURN_02, outcome: 'completed', durationMs: 56, lastAgentMessage: 'Echo: hello there' },
    ]);
  });

  it('turn/completed (failed) carries turn.error as message + code, without details when codex gave none', () => {
    const event = only(projectNotification(turnFailed08));
    expect(event).toEqual({
      type: 'turnCompleted',
      laneId: THREAD_08,
      turnId: TURN_08,
      outcome: 'failed',
      error: { message: SCRIPTED_FAILURE, code: 'other' },
      durationMs: 73,
    });
    expect(event).not.toHaveProperty('lastAgentMessage');
  });

  it('turn/completed (interrupted) gives outcome interrupted without an error', () => {
    const event = only(projectNotification(turnInterrupted04a));
    expect(event).toMatchObject({ type: 'turnCompleted', turnId: '01a210e9-74c9-70f0-bf66-587092771ea2', outcome: 'interrupted', durationMs: 1009 });
    expect(event).not.toHaveProperty('error');
  });

  it('the error notification gives turnError with willRetry', () => {
    expect(projectNotification(error08)).toEqual([
      { type: 'turnError', laneId: THREAD_08, turnId: TURN_08, error: { message: SCRIPTED_FAILURE, code: 'other' }, willRetry: false },
    ]);
  });

  it('thread/status/changed maps active (no flags), active waitingOnApproval, idle and systemError', () => {
    // An active thread with no flags is still active: idle comes only from {type:"idle"}.
    expect(projectNotification(statusActive02)).toEqual([{ type: 'statusChanged', laneId: THREAD_02, status: 'active', activeFlags: [] }]);
    expect(projectNotification(waitingOnApproval03)).toEqual([
      { type: 'statusChanged', laneId: '01a210e9-45c5-7f30-a479-ce7243d30f06', status: 'active', activeFlags: ['waitingOnApproval'] },
    ]);
    expect(projectNotification(statusIdle02)).toEqual([{ type: 'statusChanged', laneId: THREAD_02, status: 'idle', activeFlags: [] }]);
    expect(projectNotification(systemError08)).toEqual([{ type: 'statusChanged', laneId: THREAD_08, status: 'systemError', activeFlags: [] }]);
  });

  it('item/started reads the item from params.item (there is no top-level itemId)', () => {
    expect(userMessageStarted02.params).not.toHaveProperty('itemId');
    expect(projectNotification(userMessageStarted02)).toEqual([
      {
        type: 'itemStarted',
        laneId: THREAD_02,
        turnId: TURN_02,
        item: { id: '01a210e9-2e56-7792-8011-02f27accbb0a', type: 'userMessage', text: 'hello there', raw: userMessageStarted02.params.item },
      },
    ]);
    expect(projectNotification(agentMessageStarted02)).toEqual([
      { type: 'itemStarted', laneId: THREAD_02, turnId: TURN_02, item: { id: 'msg_resp_1', type: 'agentMessage', text: '', raw: agentMessageStarted02.params.item } },
    ]);
  });

  it('item/completed summarises agent messages, commands and file changes', () => {
    expect(projectNotification(agentMessageCompleted02)).toEqual([
      { type: 'itemCompleted', laneId: THREAD_02, turnId: TURN_02, item: { id: 'msg_resp_1', type: 'agentMessage', text: 'Echo: hello there', raw: agentMessageItem02 } },
    ]);
    const command = only(projectNotification(commandCompleted03));
    expect(command).toMatchObject({
      type: 'itemCompleted',
      laneId: '01a210e9-44a9-7cf1-a82e-09a5234d4e1a',
      turnId: '01a210e9-44ba-7de1-94a1-abda6cb50b16',
      item: { id: 'call_resp_1', type: 'commandExecution', command: "/bin/bash -lc 'echo hi > a.txt && echo created-a'", exitCode: 0, status: 'completed' },
    });
    const file = only(projectNotification(fileChangeCompleted05));
    expect(file).toMatchObject({ type: 'itemCompleted', item: { id: 'call_resp_1', type: 'fileChange', status: 'completed', paths: ['/scratch/05/workspace/p1.txt'] } });
  });

  it('keeps item types it has no summary for visible, with type and raw body', () => {
    expect(projectNotification(reasoningStarted09)).toEqual([
      {
        type: 'itemStarted',
        laneId: '01a210e9-e224-7c23-aaf4-515881c6a7e8',
        turnId: '01a210e9-e3b3-7af2-875b-112b95ea96e9',
        item: { id: 'rs1', type: 'reasoning', raw: reasoningStarted09.params.item },
      },
    ]);
    // A type the pinned codex does not even know yet.
    const future = { type: 'hologram', id: 'h1', beams: 3 };
    const event = only(projectNotification({ method: 'item/completed', params: { item: future, threadId: 't', turnId: 'u' } }));
    expect(event).toEqual({ type: 'itemCompleted', laneId: 't', turnId: 'u', item: { id: 'h1', type: 'hologram', raw: future } });
  });

  it('projects deltas, token usage, resolved requests and cleared goals', () => {
    expect(projectNotification(agentMessageDelta02)).toEqual([
      { type: 'agentMessageDelta', laneId: THREAD_02, turnId: TURN_02, itemId: 'msg_resp_1', delta: 'Echo: ' },
    ]);
    expect(projectNotification(tokenUsage02)).toEqual([
      {
        type: 'tokenUsage',
        laneId: THREAD_02,
        turnId: TURN_02,
        totalTokens: 15,
        lastTokens: 15,
        contextWindow: 258400,
        total: { input: 10, cachedInput: 0, output: 5, reasoning: 0, total: 15 },
        last: { input: 10, cachedInput: 0, output: 5, reasoning: 0, total: 15 },
      },
    ]);
    expect(projectNotification(resolved03)).toEqual([{ type: 'approvalResolved', laneId: '01a210e9-45c5-7f30-a479-ce7243d30f06', requestId: 0 }]);
    expect(projectNotification(goalCleared04b)).toEqual([{ type: 'goalCleared', laneId: '01a210e9-708c-73d1-a774-6d521ddc9712' }]);
  });

  it('gives no events for notifications dispatch does not project', () => {
    expect(projectNotification({ method: 'account/rateLimits/updated', params: { rateLimits: {} } })).toEqual([]);
    expect(projectNotification({ method: 'remoteControl/status/changed', params: {} })).toEqual([]);
    expect(projectNotification({ method: 'turn/diff/updated', params: { threadId: 't', turnId: 'u', diff: '' } })).toEqual([]);
    expect(projectNotification({ method: 'some/future/notification' })).toEqual([]);
  });
});

describe('projectNotification on synthetic messages typed against the protocol', () => {
  it('turn/completed failed with turn.error: object codexErrorInfo becomes its key, details are kept', () => {
    const message = {
      method: 'turn/completed',
      params: {
        threadId: 'th',
        turn: {
          id: 'tu',
          rootTurnId: null,
          items: [],
          itemsView: 'notLoaded',
          status: 'failed',
          error: { message: 'upstream 502', codexErrorInfo: { httpConnectionFailed: { httpStatusCode: 502 } }, additionalDetails: 'bad gateway', misalignment: null },
          startedAt: null,
          completedAt: null,
          durationMs: null,
        },
      },
    } satisfies ServerNotification;
    const event = only(projectNotification(message));
    expect(event).toEqual({
      type: 'turnCompleted',
      laneId: 'th',
      turnId: 'tu',
      outcome: 'failed',
      error: { message: 'upstream 502', code: 'httpConnectionFailed', details: 'bad gateway' },
    });
    expect(event).not.toHaveProperty('durationMs');
  });

  it('error notification with a string code and willRetry true', () => {
    const message = {
      method: 'error',
      params: {
        error: { message: 'We’re currently experiencing high demand', codexErrorInfo: 'internalServerError', additionalDetails: null, misalignment: null },
        willRetry: true,
        threadId: 'th',
        turnId: 'tu',
      },
    } satisfies ServerNotification;
    expect(projectNotification(message)).toEqual([
      { type: 'turnError', laneId: 'th', turnId: 'tu', error: { message: 'We’re currently experiencing high demand', code: 'internalServerError' }, willRetry: true },
    ]);
  });

  it('thread/status/changed notLoaded and active waitingOnUserInput', () => {
    const notLoaded = { method: 'thread/status/changed', params: { threadId: 'th', status: { type: 'notLoaded' } } } satisfies ServerNotification;
    const input = {
      method: 'thread/status/changed',
      params: { threadId: 'th', status: { type: 'active', activeFlags: ['waitingOnApproval', 'waitingOnUserInput'] } },
    } satisfies ServerNotification;
    expect(projectNotification(notLoaded)).toEqual([{ type: 'statusChanged', laneId: 'th', status: 'notLoaded', activeFlags: [] }]);
    expect(projectNotification(input)).toEqual([
      { type: 'statusChanged', laneId: 'th', status: 'active', activeFlags: ['waitingOnApproval', 'waitingOnUserInput'] },
    ]);
  });

  it('thread/goal/updated and thread/compacted', () => {
    const goal = {
      method: 'thread/goal/updated',
      params: {
        threadId: 'th',
        turnId: null,
        goal: { threadId: 'th', objective: 'ship it', status: 'active', tokenBudget: null, tokensUsed: 0, timeUsedSeconds: 0, createdAt: 1, updatedAt: 2 },
      },
    } satisfies ServerNotification;
    const compacted = { method: 'thread/compacted', params: { threadId: 'th', turnId: 'tu' } } satisfies ServerNotification;
    expect(projectNotification(goal)).toEqual([{ type: 'goalUpdated', laneId: 'th', objective: 'ship it', status: 'active' }]);
    expect(projectNotification(compacted)).toEqual([{ type: 'compacted', laneId: 'th', turnId: 'tu' }]);
  });
});

describe('projectServerRequest', () => {
  it('projects a captured command approval with its request id, command and cwd', () => {
    expect(projectServerRequest(commandApproval03.method, commandApproval03.id, commandApproval03.params)).toEqual({
      type: 'approvalRequested',
      laneId: '01a210e9-45c5-7f30-a479-ce7243d30f06',
      turnId: '01a210e9-45cb-7a70-8f1d-c185bb4b5dba',
      itemId: 'call_resp_3',
      requestId: 0,
      kind: 'command',
      command: "/bin/bash -lc 'echo hi > b.txt && echo created-b'",
      cwd: '/scratch/03/workspace',
    });
  });

  it('projects a captured file-change approval (null reason left out, no command)', () => {
    expect(projectServerRequest(fileChangeApproval05.method, fileChangeApproval05.id, fileChangeApproval05.params)).toEqual({
      type: 'approvalRequested',
      laneId: '01a210e9-9996-7641-9587-a0210f55c3c4',
      turnId: '01a210e9-999c-78f0-a216-9b405768e2b9',
      itemId: 'call_resp_3',
      requestId: 0,
      kind: 'fileChange',
    });
  });

  it('keeps a string request id and a reason', () => {
    const request = {
      method: 'item/fileChange/requestApproval',
      id: 'req-7',
      params: { threadId: 'th', turnId: 'tu', itemId: 'it', startedAtMs: 1, reason: 'needs write access', grantRoot: '/work' },
    } satisfies ServerRequest;
    expect(projectServerRequest(request.method, request.id, request.params)).toMatchObject({ requestId: 'req-7', kind: 'fileChange', reason: 'needs write access' });
  });

  it('projects the questions of a user-input request (captured from codex 0.171) so the lane waits for a person', () => {
    const request = {
      id: 0,
      method: 'item/tool/requestUserInput',
      params: {
        threadId: '01a231a2-6a48-71f0-a797-d114ba897b85',
        turnId: '01a231a2-6a53-72a0-aa31-b4b882673c8e',
        itemId: 'call_1',
        questions: [
          {
            id: 'color',
            header: 'Color',
            question: 'Which color?',
            isOther: true,
            isSecret: false,
            options: [
              { label: 'Red (Recommended)', description: 'warm' },
              { label: 'Blue', description: 'cool' },
            ],
          },
        ],
        isBlocking: true,
        autoResolutionMs: null,
      },
    } satisfies ServerRequest;
    expect(projectServerRequest(request.method, request.id, request.params)).toEqual({
      type: 'approvalRequested',
      laneId: '01a231a2-6a48-71f0-a797-d114ba897b85',
      turnId: '01a231a2-6a53-72a0-aa31-b4b882673c8e',
      itemId: 'call_1',
      requestId: 0,
      kind: 'userInput',
      question: 'Which color? [Red (Recommended) | Blue]',
    });
  });

  it('projects MCP elicitation forms and URLs; user-verification challenges and dynamic tool calls give nothing', () => {
    const form = {
      id: 5,
      method: 'mcpServer/elicitation/request',
      params: {
        threadId: 'th',
        turnId: null,
        serverName: 'deploy',
        environmentId: null,
        mode: 'form',
        _meta: null,
        message: 'Which region?',
        requestedSchema: { type: 'object', properties: { region: { type: 'string', enum: ['eu', 'us'] } }, required: ['region'] },
      },
    } satisfies ServerRequest;
    expect(projectServerRequest(form.method, form.id, form.params)).toEqual({
      type: 'approvalRequested',
      laneId: 'th',
      turnId: null,
      requestId: 5,
      kind: 'elicitation',
      question: 'deploy: Which region? [region]',
    });
    const verification = {
      ...form.params,
      mode: 'openai/userVerification',
      title: 't',
      description: 'd',
      challenge: 'c',
    } satisfies ServerRequestParams<'mcpServer/elicitation/request'>;
    expect(projectServerRequest(form.method, 6, verification)).toBeUndefined();
    expect(projectServerRequest('item/tool/call', 3, { threadId: 'th', turnId: 'tu', callId: 'c', tool: 'x', arguments: {} })).toBeUndefined();
  });

  it('projects permission approvals with kind permissions', () => {
    expect(projectServerRequest('item/permissions/requestApproval', 9, { threadId: 'th', turnId: 'tu', itemId: 'it', cwd: '/w', reason: null })).toEqual({
      type: 'approvalRequested',
      laneId: 'th',
      turnId: 'tu',
      itemId: 'it',
      requestId: 9,
      kind: 'permissions',
      cwd: '/w',
    });
  });
});

describe('events helpers', () => {
  it('threadIdOf reads params.threadId, then params.thread.id', () => {
    expect(threadIdOf(turnStarted02)).toBe(THREAD_02);
    expect(threadIdOf({ params: { thread: { id: 'from-thread' } } })).toBe('from-thread');
    expect(threadIdOf({ params: { threadId: 7 } })).toBeUndefined();
    expect(threadIdOf({ params: null })).toBeUndefined();
    expect(threadIdOf({})).toBeUndefined();
  });

  it('laneStatusOf copies the flags (no aliasing of the wire array)', () => {
    const flags: ('waitingOnApproval' | 'waitingOnUserInput')[] = ['waitingOnApproval'];
    const mapped = laneStatusOf({ type: 'active', activeFlags: flags });
    flags.push('waitingOnUserInput');
    expect(mapped).toEqual({ status: 'active', activeFlags: ['waitingOnApproval'] });
  });

  it('turnFailureOf leaves the code out when codexErrorInfo is null', () => {
    expect(turnFailureOf({ message: 'm', codexErrorInfo: null, additionalDetails: null, misalignment: null })).toEqual({ message: 'm' });
  });

  it('lastAgentMessageOf takes the last agent message, skipping other item types', () => {
    const items = [
      { ...agentMessageItem02, id: 'a1', text: 'first' },
      { ...agentMessageItem02, id: 'a2', text: 'second' },
      reasoningStarted09.params.item,
    ] as unknown as ThreadItem[];
    expect(lastAgentMessageOf(items)).toBe('second');
    expect(lastAgentMessageOf([])).toBeUndefined();
  });

  it('laneItemOf joins user message parts, marking non-text parts by type', () => {
    const item = {
      type: 'userMessage',
      id: 'u1',
      clientId: null,
      content: [
        { type: 'text', text: 'look at', text_elements: [] },
        { type: 'image', url: 'https://example.invalid/x.png' },
      ],
    } as unknown as ThreadItem;
    expect(laneItemOf(item)).toMatchObject({ id: 'u1', type: 'userMessage', text: 'look at\n[image]' });
  });
});

describe('token usage projection', () => {
  it('keeps the running total and the last request apart, field by field', () => {
    const breakdown = (base: number) => ({ totalTokens: base + 5, inputTokens: base, cachedInputTokens: base - 1, cacheWriteInputTokens: 0, outputTokens: 5, reasoningOutputTokens: 2 });
    const [fact] = projectNotification({ method: 'thread/tokenUsage/updated', params: { threadId: THREAD_02, turnId: TURN_02, tokenUsage: { total: breakdown(900), last: breakdown(100), modelContextWindow: null } } });
    expect(fact).toMatchObject({
      totalTokens: 905,
      lastTokens: 105,
      total: { input: 900, cachedInput: 899, output: 5, reasoning: 2, total: 905 },
      last: { input: 100, cachedInput: 99, output: 5, reasoning: 2, total: 105 },
      contextWindow: null,
    });
  });
});

describe('rateLimitsOf', () => {
  it('keeps the windows a sparse update carries, with the reset time (unix seconds) as ISO', () => {
    // The shape the pinned app-server sent for a simulated answer (test/simulator/rateLimits.test.ts).
    const params = {
      rateLimits: { limitId: 'codex', limitName: null, normalModelSlug: null, primary: { usedPercent: 95, windowDurationMins: 300, resetsAt: 1796151211 }, secondary: null, credits: null, individualLimit: null, spendControlReached: null, planType: null, rateLimitReachedType: null },
    };
    expect(rateLimitsOf(params)).toEqual([{ window: 'primary', usedPercent: 95, windowMinutes: 300, resetsAt: new Date(1796151211 * 1000).toISOString() }]);
    expect(rateLimitsOf({ rateLimits: { ...params.rateLimits, primary: null, secondary: { usedPercent: 3, windowDurationMins: null, resetsAt: null } } })).toEqual([{ window: 'secondary', usedPercent: 3, windowMinutes: null, resetsAt: null }]);
  });
});
