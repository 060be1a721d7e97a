import type { ApprovalKind } from '../core/laneEvents.js';
import type { PromptReply, RequestPrompt } from '../core/model.js';
import { RPC_CODES, RpcError } from '../jsonrpc/rpcError.js';
import type {
  DynamicToolCallResponse,
  McpServerElicitationRequestResponse,
  ReviewDecision,
  ServerRequestParams,
  ToolRequestUserInputResponse,
} from '../protocol/index.js';
import { APPROVAL_KINDS, elicitationPromptOf, mcpToolApprovalOf, threadIdOf, userInputPromptOf } from './events.js';
import type { ServerRequestResponder } from './supervisor.js';

/** A decision in dispatch's words; mapped to each request kind's wire answer here. */
export type ApprovalDecision = 'accept' | 'acceptForSession' | 'decline' | 'cancel';

export interface ApprovalQuestion {
  generation: number;
  requestId: string | number;
  laneId: string;
  kind: ApprovalKind;
  method: string;
  itemId?: string;
  command?: string;
  reason?: string;
  /** Paths of a legacy patch approval (v2 file changes carry none; the item announced before them does). */
  paths?: string[];
  params: unknown;
  signal: AbortSignal;
}

/** A question for a person: the model's `request_user_input` call, or an MCP server's elicitation. */
export interface PromptQuestion {
  generation: number;
  requestId: string | number;
  laneId: string;
  kind: 'userInput' | 'elicitation';
  method: string;
  prompt: RequestPrompt;
  signal: AbortSignal;
}

export interface ServerRequestRouting {
  decide: (question: ApprovalQuestion) => Promise<ApprovalDecision>;
  ask: (question: PromptQuestion) => Promise<PromptReply>;
}

/** The v1 (conversation) approvals' answers; codex sends these only to v1 clients, but if it does they are approvals. */
const LEGACY_DECISION: Record<ApprovalDecision, ReviewDecision> = {
  accept: 'approved',
  acceptForSession: 'approved_for_session',
  decline: { denied: { rejection: 'declined through dispatch' } },
  cancel: 'abort',
};

/**
 * Builds the supervisor's responder. Approvals go to `decide`, questions (user input, MCP
 * elicitation) to `ask`; each kind that needs no person gets an explicit answer with its reason,
 * so codex never waits on silence and no question is dropped.
 */
export function createServerRequestResponder(routing: ServerRequestRouting): ServerRequestResponder {
  return async ({ generation, id, method, params, signal }) => {
    const base = { generation, requestId: id, method, signal };
    switch (method) {
      case 'item/tool/requestUserInput': {
        const p = params as ServerRequestParams<'item/tool/requestUserInput'>;
        const reply = await routing.ask({ ...base, laneId: p.threadId, kind: 'userInput', prompt: userInputPromptOf(p) });
        return userInputResponse(reply);
      }
      case 'mcpServer/elicitation/request': {
        const p = params as ServerRequestParams<'mcpServer/elicitation/request'>;
        const toolApproval = mcpToolApprovalOf(p);
        if (toolApproval) {
          const decision = await routing.decide({ ...base, laneId: p.threadId, kind: 'mcpToolCall', reason: toolApproval.message, params });
          // The form is empty, so accepting sends no fields; "for the session" is sent as a plain accept (codex's persist hint is not verified).
          return decision === 'accept' || decision === 'acceptForSession'
            ? ({ action: 'accept', content: {}, _meta: null } satisfies McpServerElicitationRequestResponse)
            : ({ action: decision, content: null, _meta: null } satisfies McpServerElicitationRequestResponse);
        }
        const prompt = elicitationPromptOf(p);
        // A user-verification challenge needs a verifier dispatch does not have; saying no lets the MCP server fail cleanly.
        if (!prompt) return { action: 'decline', content: null, _meta: null } satisfies McpServerElicitationRequestResponse;
        return elicitationResponse(await routing.ask({ ...base, laneId: p.threadId, kind: 'elicitation', prompt }));
      }
      case 'item/tool/call':
        // Dynamic tools are the client's own tools; dispatch registers none, so a call is a tool the model made up.
        return { contentItems: [{ type: 'inputText', text: 'dispatch provides no dynamic tools' }], success: false } satisfies DynamicToolCallResponse;
      case 'account/chatgptAuthTokens/refresh':
        // Only clients that hand codex external ChatGPT tokens get this; dispatch leaves login to codex itself.
        throw new RpcError(method, { code: RPC_CODES.methodNotFound, message: 'dispatch does not manage ChatGPT tokens; codex keeps its own login' });
      case 'attestation/generate':
        // Client attestation proves a first-party app; dispatch has no attestation key to sign with.
        throw new RpcError(method, { code: RPC_CODES.methodNotFound, message: 'dispatch cannot attest itself as a client' });
      case 'execCommandApproval': {
        const p = params as ServerRequestParams<'execCommandApproval'>;
        const decision = await routing.decide({ ...base, laneId: p.conversationId, kind: 'command', command: p.command.join(' '), ...(p.reason ? { reason: p.reason } : {}), params });
        return { decision: LEGACY_DECISION[decision] };
      }
      case 'applyPatchApproval': {
        const p = params as ServerRequestParams<'applyPatchApproval'>;
        const decision = await routing.decide({ ...base, laneId: p.conversationId, kind: 'fileChange', paths: Object.keys(p.fileChanges), ...(p.reason ? { reason: p.reason } : {}), params });
        return { decision: LEGACY_DECISION[decision] };
      }
      default:
        break;
    }
    const kind = APPROVAL_KINDS[method];
    if (!kind) throw new RpcError(method, { code: RPC_CODES.methodNotFound, message: `dispatch does not answer ${method} requests` });
    const laneId = threadIdOf({ params }) ?? '';
    const p = (params ?? {}) as { itemId?: unknown; command?: unknown; reason?: unknown };
    const decision = await routing.decide({
      ...base,
      laneId,
      kind,
      ...(typeof p.itemId === 'string' ? { itemId: p.itemId } : {}),
      ...(typeof p.command === 'string' ? { command: p.command } : {}),
      ...(typeof p.reason === 'string' ? { reason: p.reason } : {}),
      params,
    });
    if (kind === 'permissions') {
      // Permission requests take a grant, not a decision: decline = grant nothing.
      return decision === 'accept' || decision === 'acceptForSession'
        ? { permissions: (params as { permissions?: unknown }).permissions ?? {}, scope: decision === 'acceptForSession' ? 'session' : 'turn' }
        : { permissions: {}, scope: 'turn' };
    }
    return { decision };
  };
}

/** No answers is how codex hears "declined": the model gets `{"answers":{}}` and goes on (there is no cancel on this wire). */
export function userInputResponse(reply: PromptReply): ToolRequestUserInputResponse {
  if (reply.decision !== 'accept' || !reply.answers) return { answers: {} };
  return { answers: Object.fromEntries(Object.entries(reply.answers).map(([id, answers]) => [id, { answers }])) };
}

export function elicitationResponse(reply: PromptReply): McpServerElicitationRequestResponse {
  if (reply.decision !== 'accept') return { action: reply.decision, content: null, _meta: null };
  return { action: 'accept', content: (reply.content ?? null) as McpServerElicitationRequestResponse['content'], _meta: null };
}
