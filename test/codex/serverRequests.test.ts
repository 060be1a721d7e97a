import { describe, expect, it } from 'vitest';
import { createServerRequestResponder, type ApprovalDecision, type ApprovalQuestion, type PromptQuestion } from '../../src/codex/serverRequests.js';
import type { PromptReply } from '../../src/core/model.js';
import { RpcError } from '../../src/jsonrpc/rpcError.js';
import type { ServerRequestMethod, ServerRequestParams } from '../../src/protocol/index.js';

/** A responder whose person always gives `reply`; records what was asked. */
function responder(reply: PromptReply, decision: ApprovalDecision = 'accept') {
  const asked: Array<PromptQuestion | ApprovalQuestion> = [];
  const respond = createServerRequestResponder({
    decide: async (q) => {
      asked.push(q);
      return decision;
    },
    ask: async (q) => {
      asked.push(q);
      return reply;
    },
  });
  const call = <M extends ServerRequestMethod>(method: M, params: ServerRequestParams<M>) =>
    respond({ generation: 1, id: 7, method, params, signal: new AbortController().signal });
  return { asked, call };
}

const userInput: ServerRequestParams<'item/tool/requestUserInput'> = {
  threadId: 'th',
  turnId: 'tu',
  itemId: 'call_1',
  questions: [{ id: 'color', header: 'Color', question: 'Which color?', isOther: true, isSecret: false, options: [{ label: 'Blue', description: 'cool' }] }],
  isBlocking: true,
  autoResolutionMs: null,
};

const form: ServerRequestParams<'mcpServer/elicitation/request'> = {
  threadId: 'th',
  turnId: null,
  serverName: 'deploy',
  environmentId: null,
  mode: 'form',
  _meta: null,
  message: 'Deploy where?',
  requestedSchema: {
    type: 'object',
    properties: {
      region: { type: 'string', title: 'Region', enum: ['eu', 'us'] },
      replicas: { type: 'integer', minimum: 1 },
      dryRun: { type: 'boolean' },
      tags: { type: 'array', items: { type: 'string', enum: ['a', 'b'] } },
    },
    required: ['region'],
  },
};

describe('server request responder', () => {
  it('asks a person the user-input questions and sends the answers per question id', async () => {
    const { asked, call } = responder({ decision: 'accept', answers: { color: ['Blue'] } });
    expect(await call('item/tool/requestUserInput', userInput)).toEqual({ answers: { color: { answers: ['Blue'] } } });
    expect(asked[0]).toMatchObject({
      laneId: 'th',
      kind: 'userInput',
      prompt: { type: 'questions', questions: [{ id: 'color', header: 'Color', question: 'Which color?', other: true, secret: false, options: [{ label: 'Blue', description: 'cool' }] }] },
    });
  });

  it('declines a question with no answers (the user-input wire has no decline or cancel)', async () => {
    expect(await responder({ decision: 'decline' }).call('item/tool/requestUserInput', userInput)).toEqual({ answers: {} });
    expect(await responder({ decision: 'cancel' }).call('item/tool/requestUserInput', userInput)).toEqual({ answers: {} });
  });

  it('turns an elicitation form into typed fields and answers with action and content', async () => {
    const { asked, call } = responder({ decision: 'accept', content: { region: 'eu', replicas: 2 } });
    expect(await call('mcpServer/elicitation/request', form)).toEqual({ action: 'accept', content: { region: 'eu', replicas: 2 }, _meta: null });
    expect(asked[0]).toMatchObject({
      kind: 'elicitation',
      prompt: {
        type: 'form',
        server: 'deploy',
        message: 'Deploy where?',
        fields: [
          { name: 'region', type: 'string', title: 'Region', required: true, choices: ['eu', 'us'] },
          { name: 'replicas', type: 'integer', required: false },
          { name: 'dryRun', type: 'boolean', required: false },
          { name: 'tags', type: 'array', required: false, choices: ['a', 'b'] },
        ],
      },
    });
    expect(await responder({ decision: 'cancel' }).call('mcpServer/elicitation/request', form)).toEqual({ action: 'cancel', content: null, _meta: null });
  });

  it('surfaces URL elicitations; declines user-verification challenges without asking anyone', async () => {
    const url = { ...form, mode: 'url', message: 'Sign in', url: 'https://example.test/login', elicitationId: 'e1' } satisfies ServerRequestParams<'mcpServer/elicitation/request'>;
    const asking = responder({ decision: 'accept' });
    expect(await asking.call('mcpServer/elicitation/request', url)).toEqual({ action: 'accept', content: null, _meta: null });
    expect(asking.asked[0]).toMatchObject({ prompt: { type: 'url', server: 'deploy', message: 'Sign in', url: 'https://example.test/login' } });
    const verify = { ...form, mode: 'openai/userVerification', title: 't', description: 'd', challenge: 'c' } satisfies ServerRequestParams<'mcpServer/elicitation/request'>;
    const silent = responder({ decision: 'accept' });
    expect(await silent.call('mcpServer/elicitation/request', verify)).toEqual({ action: 'decline', content: null, _meta: null });
    expect(silent.asked).toHaveLength(0);
  });

  it('routes codex\'s own MCP tool-call approval (an elicitation captured from 0.171) as an approval', async () => {
    const toolApproval = {
      threadId: 'th',
      turnId: 'tu',
      serverName: 'deploy',
      environmentId: null,
      mode: 'form',
      _meta: { codex_approval_kind: 'mcp_tool_call', persist: ['session', 'always'], tool_name: 'deploy', tool_description: 'Deploy', tool_params: {}, tool_params_display: [] },
      message: 'Allow the deploy MCP server to run tool "deploy"?',
      requestedSchema: { type: 'object', properties: {} },
    } satisfies ServerRequestParams<'mcpServer/elicitation/request'>;
    const accepting = responder({ decision: 'decline' }, 'accept');
    expect(await accepting.call('mcpServer/elicitation/request', toolApproval)).toEqual({ action: 'accept', content: {}, _meta: null });
    expect(accepting.asked[0]).toMatchObject({ kind: 'mcpToolCall', laneId: 'th', reason: 'Allow the deploy MCP server to run tool "deploy"?' });
    expect(await responder({ decision: 'accept' }, 'decline').call('mcpServer/elicitation/request', toolApproval)).toEqual({ action: 'decline', content: null, _meta: null });
  });

  it('routes legacy v1 approvals as approvals, in their ReviewDecision words', async () => {
    const exec = responder({ decision: 'decline' }, 'acceptForSession');
    const execParams = { conversationId: 'th', callId: 'c', approvalId: null, command: ['npm', 'test'], cwd: '/w', reason: null, parsedCmd: [] } satisfies ServerRequestParams<'execCommandApproval'>;
    expect(await exec.call('execCommandApproval', execParams)).toEqual({ decision: 'approved_for_session' });
    expect(exec.asked[0]).toMatchObject({ laneId: 'th', kind: 'command', command: 'npm test' });
    const patch = responder({ decision: 'decline' }, 'decline');
    const patchParams = { conversationId: 'th', callId: 'c', fileChanges: { '/w/a.ts': { type: 'add', content: 'x' } }, reason: null, grantRoot: null } satisfies ServerRequestParams<'applyPatchApproval'>;
    expect(await patch.call('applyPatchApproval', patchParams)).toEqual({ decision: { denied: { rejection: 'declined through dispatch' } } });
    expect(patch.asked[0]).toMatchObject({ kind: 'fileChange', paths: ['/w/a.ts'] });
  });

  it('answers kinds that need no person explicitly', async () => {
    const { asked, call } = responder({ decision: 'accept' });
    expect(await call('item/tool/call', { threadId: 'th', turnId: 'tu', callId: 'c', namespace: null, tool: 'x', arguments: {} })).toEqual({
      contentItems: [{ type: 'inputText', text: 'dispatch provides no dynamic tools' }],
      success: false,
    });
    await expect(call('account/chatgptAuthTokens/refresh', { reason: 'unauthorized', previousAccountId: null })).rejects.toBeInstanceOf(RpcError);
    await expect(call('attestation/generate', {})).rejects.toBeInstanceOf(RpcError);
    expect(asked).toHaveLength(0);
  });
});
