import type { ApprovalKind, LaneEvent, LaneItem, LaneStatus, TokenCounts, TurnFailure, WithheldMessage } from '../core/laneEvents.js';
import type { FormField, RequestPrompt } from '../core/model.js';
import type { RateLimitObservation } from '../core/ports.js';
import { promptSummary } from '../core/promptAnswers.js';
import type { McpElicitationPrimitiveSchema, NotificationParams, ServerRequestMethod, ServerRequestParams, ThreadItem, ThreadStatus, TokenUsageBreakdown, TurnError } from '../protocol/index.js';

type Notification = { method: string; params?: unknown };

/** The thread a wire message belongs to, if any (raw messages are kept per lane by this). */
export function threadIdOf(message: { params?: unknown }): string | undefined {
  const params = message.params;
  if (typeof params !== 'object' || params === null) return undefined;
  const direct = (params as { threadId?: unknown }).threadId;
  if (typeof direct === 'string') return direct;
  const thread = (params as { thread?: { id?: unknown } }).thread;
  return typeof thread?.id === 'string' ? thread.id : undefined;
}

export function laneStatusOf(status: ThreadStatus): { status: LaneStatus; activeFlags: string[] } {
  return status.type === 'active' ? { status: 'active', activeFlags: [...status.activeFlags] } : { status: status.type, activeFlags: [] };
}

export function turnFailureOf(error: TurnError): TurnFailure {
  const code = typeof error.codexErrorInfo === 'string' ? error.codexErrorInfo : error.codexErrorInfo ? Object.keys(error.codexErrorInfo)[0] : undefined;
  return {
    message: error.message,
    ...(code ? { code } : {}),
    ...(error.additionalDetails ? { details: error.additionalDetails } : {}),
  };
}

type AgentMessageItem = Extract<ThreadItem, { type: 'agentMessage' }>;

/**
 * Whether codex's moderation withholds an agent message, and why: its `display` decides (`show`
 * or none: shown as is). A display mode this version does not know is withheld too, to be safe.
 */
export function withheldOf(item: AgentMessageItem): WithheldMessage | undefined {
  const display = item.moderation?.display;
  if (!display || display.mode === 'show') return undefined;
  if (display.mode === 'hide') return { mode: 'hide', reason: display.replacement.kind };
  if (display.mode === 'block') {
    const reason = display.reason;
    return { mode: 'block', reason: reason.kind === 'protection' ? `protection (${reason.protectionType})` : reason.kind };
  }
  return { mode: 'block', reason: `unknown moderation display '${String((display as { mode?: unknown }).mode)}'` };
}

/** What stands in for a withheld message wherever dispatch passes agent text on. */
export function withheldPlaceholder(withheld: WithheldMessage): string {
  const verb = withheld.mode === 'hide' ? 'hid' : 'blocked';
  return `[dispatch: agent message withheld — codex moderation ${verb} it (${withheld.mode}: ${withheld.reason})]`;
}

/** An agent message's text as dispatch may relay it: the placeholder when moderation withholds it. */
export function relayableText(item: AgentMessageItem): { text: string; withheld?: WithheldMessage } {
  const withheld = withheldOf(item);
  return withheld ? { text: withheldPlaceholder(withheld), withheld } : { text: item.text };
}

/** Summarises a wire item; unknown future item types stay visible with their type and raw body. */
export function laneItemOf(item: ThreadItem): LaneItem {
  const base: LaneItem = { id: item.id, type: item.type, raw: item };
  switch (item.type) {
    case 'agentMessage':
      return { ...base, ...relayableText(item) };
    case 'userMessage':
      return {
        ...base,
        text: item.content.map((c) => (c.type === 'text' ? c.text : `[${c.type}]`)).join('\n'),
        ...(item.clientId ? { clientId: item.clientId } : {}),
      };
    case 'commandExecution':
      return { ...base, command: item.command, exitCode: item.exitCode, status: item.status };
    case 'fileChange':
      return { ...base, status: item.status, paths: item.changes.map((c) => c.path) };
    default:
      return base;
  }
}

/** The last agent message text among a turn's items, as it may be relayed (moderation respected). */
export function lastAgentMessageOf(items: readonly ThreadItem[]): string | undefined {
  for (let i = items.length - 1; i >= 0; i--) {
    const item = items[i];
    if (item?.type === 'agentMessage') return relayableText(item).text;
  }
  return undefined;
}

/** The v2 approval requests, by the kind of approval each asks for (the one map: serverRequests.ts answers by it too). */
export const APPROVAL_KINDS: Partial<Record<ServerRequestMethod, Exclude<ApprovalKind, 'mcpToolCall'>>> = {
  'item/commandExecution/requestApproval': 'command',
  'item/fileChange/requestApproval': 'fileChange',
  'item/permissions/requestApproval': 'permissions',
};

/** The questions of a user-input request (the model called `request_user_input`). */
export function userInputPromptOf(params: ServerRequestParams<'item/tool/requestUserInput'>): RequestPrompt {
  return {
    type: 'questions',
    questions: params.questions.map((q) => ({
      id: q.id,
      header: q.header,
      question: q.question,
      options: (q.options ?? []).map((o) => ({ label: o.label, description: o.description })),
      other: q.isOther,
      secret: q.isSecret,
    })),
  };
}

/**
 * codex 0.171 asks approval for an MCP tool call as an elicitation of its own: an empty form whose
 * `_meta.codex_approval_kind` is `mcp_tool_call` (captured on the pinned binary). It is an approval,
 * not a question; its message ("Allow the … MCP server to run tool …?") says what is asked.
 */
export function mcpToolApprovalOf(params: ServerRequestParams<'mcpServer/elicitation/request'>): { message: string } | undefined {
  const meta = params._meta;
  if (params.mode !== 'form' || typeof meta !== 'object' || meta === null || Array.isArray(meta)) return undefined;
  return meta['codex_approval_kind'] === 'mcp_tool_call' ? { message: params.message } : undefined;
}

/**
 * What an MCP server's elicitation asks: a form (`form`, and the JSON-schema `openai/form` /
 * `openaiForm` variants) or a URL to visit. `openai/userVerification` challenges give undefined:
 * a person at a terminal cannot produce the verification they ask for.
 */
export function elicitationPromptOf(params: ServerRequestParams<'mcpServer/elicitation/request'>): RequestPrompt | undefined {
  switch (params.mode) {
    case 'form':
    case 'openai/form':
    case 'openaiForm':
      return { type: 'form', server: params.serverName, message: params.message, fields: formFieldsOf(params.requestedSchema) };
    case 'url':
      return { type: 'url', server: params.serverName, message: params.message, url: params.url };
    default:
      return undefined;
  }
}

/** The fields of an elicitation's `requestedSchema` (a flat object schema of primitives, per MCP). */
function formFieldsOf(schema: unknown): FormField[] {
  if (typeof schema !== 'object' || schema === null) return [];
  const { properties, required } = schema as { properties?: Record<string, McpElicitationPrimitiveSchema | undefined>; required?: unknown };
  const requiredNames = new Set(Array.isArray(required) ? required.filter((r): r is string => typeof r === 'string') : []);
  return Object.entries(properties ?? {}).flatMap(([name, property]) => {
    if (!property) return [];
    const p = property as { type?: unknown; title?: unknown; description?: unknown; enum?: unknown; oneOf?: unknown; items?: { enum?: unknown; anyOf?: unknown } };
    const type = p.type === 'number' || p.type === 'integer' || p.type === 'boolean' || p.type === 'array' ? p.type : 'string';
    const choices = choicesOf(p.enum) ?? choicesOf(p.oneOf) ?? choicesOf(p.items?.enum) ?? choicesOf(p.items?.anyOf);
    return [
      {
        name,
        type,
        required: requiredNames.has(name),
        ...(typeof p.title === 'string' ? { title: p.title } : {}),
        ...(typeof p.description === 'string' ? { description: p.description } : {}),
        ...(choices ? { choices } : {}),
      },
    ];
  });
}

/** `enum: [..]` values, or the `const` of titled `oneOf`/`anyOf` options. */
function choicesOf(list: unknown): string[] | undefined {
  if (!Array.isArray(list)) return undefined;
  return list.map((entry: unknown) => (typeof entry === 'object' && entry !== null ? String((entry as { const?: unknown }).const) : String(entry)));
}

/**
 * Projects a request that waits for a person (approvals, user input, elicitation) into an event;
 * kinds dispatch answers on its own (dynamic tools, token refresh, attestation) give none.
 */
export function projectServerRequest(method: string, id: string | number, params: unknown): LaneEvent | undefined {
  if (method === 'item/tool/requestUserInput') {
    const p = params as ServerRequestParams<'item/tool/requestUserInput'>;
    return { type: 'approvalRequested', laneId: p.threadId, turnId: p.turnId, itemId: p.itemId, requestId: id, kind: 'userInput', question: promptSummary(userInputPromptOf(p)) };
  }
  if (method === 'mcpServer/elicitation/request') {
    const p = params as ServerRequestParams<'mcpServer/elicitation/request'>;
    const toolApproval = mcpToolApprovalOf(p);
    if (toolApproval) return { type: 'approvalRequested', laneId: p.threadId, turnId: p.turnId, requestId: id, kind: 'mcpToolCall', reason: toolApproval.message };
    const prompt = elicitationPromptOf(p);
    return prompt ? { type: 'approvalRequested', laneId: p.threadId, turnId: p.turnId, requestId: id, kind: 'elicitation', question: promptSummary(prompt) } : undefined;
  }
  const kind = APPROVAL_KINDS[method as ServerRequestMethod];
  if (!kind) return undefined;
  const p = params as ServerRequestParams<'item/commandExecution/requestApproval'> &
    Partial<ServerRequestParams<'item/permissions/requestApproval'>>;
  return {
    type: 'approvalRequested',
    laneId: p.threadId,
    turnId: p.turnId,
    itemId: p.itemId,
    requestId: id,
    kind,
    ...(typeof p.command === 'string' ? { command: p.command } : {}),
    ...(typeof p.cwd === 'string' ? { cwd: p.cwd } : {}),
    ...(typeof p.reason === 'string' ? { reason: p.reason } : {}),
  };
}

/** codex's token breakdown as dispatch counts it (cache writes are not counted apart). */
function tokenCountsOf(breakdown: TokenUsageBreakdown): TokenCounts {
  return {
    input: breakdown.inputTokens,
    cachedInput: breakdown.cachedInputTokens,
    output: breakdown.outputTokens,
    reasoning: breakdown.reasoningOutputTokens,
    total: breakdown.totalTokens,
  };
}

/**
 * Projects one notification into lane events. Shapes follow codex 0.169 as captured: the turn id
 * is nested at `params.turn.id`, items sit under `params.item`, the status is an object, and
 * failure comes from `turn.status`/`turn.error` or the `error` notification (there is no turn/failed).
 */
export function projectNotification(message: Notification): LaneEvent[] {
  switch (message.method) {
    case 'turn/started': {
      const p = message.params as NotificationParams<'turn/started'>;
      return [{ type: 'turnStarted', laneId: p.threadId, turnId: p.turn.id }];
    }
    case 'turn/completed': {
      const p = message.params as NotificationParams<'turn/completed'>;
      const outcome = p.turn.status === 'inProgress' ? 'completed' : p.turn.status;
      const last = lastAgentMessageOf(p.turn.items);
      return [
        {
          type: 'turnCompleted',
          laneId: p.threadId,
          turnId: p.turn.id,
          outcome,
          ...(p.turn.error ? { error: turnFailureOf(p.turn.error) } : {}),
          ...(p.turn.durationMs === null ? {} : { durationMs: p.turn.durationMs }),
          ...(last === undefined ? {} : { lastAgentMessage: last }),
        },
      ];
    }
    case 'error': {
      const p = message.params as NotificationParams<'error'>;
      return [{ type: 'turnError', laneId: p.threadId, turnId: p.turnId, error: turnFailureOf(p.error), willRetry: p.willRetry }];
    }
    case 'thread/status/changed': {
      const p = message.params as NotificationParams<'thread/status/changed'>;
      return [{ type: 'statusChanged', laneId: p.threadId, ...laneStatusOf(p.status) }];
    }
    case 'item/started': {
      const p = message.params as NotificationParams<'item/started'>;
      return [{ type: 'itemStarted', laneId: p.threadId, turnId: p.turnId, item: laneItemOf(p.item) }];
    }
    case 'item/completed': {
      const p = message.params as NotificationParams<'item/completed'>;
      return [{ type: 'itemCompleted', laneId: p.threadId, turnId: p.turnId, item: laneItemOf(p.item) }];
    }
    case 'item/agentMessage/delta': {
      const p = message.params as NotificationParams<'item/agentMessage/delta'>;
      return [{ type: 'agentMessageDelta', laneId: p.threadId, turnId: p.turnId, itemId: p.itemId, delta: p.delta }];
    }
    case 'serverRequest/resolved': {
      const p = message.params as NotificationParams<'serverRequest/resolved'>;
      return [{ type: 'approvalResolved', laneId: p.threadId, requestId: p.requestId }];
    }
    case 'thread/tokenUsage/updated': {
      const p = message.params as NotificationParams<'thread/tokenUsage/updated'>;
      return [
        {
          type: 'tokenUsage',
          laneId: p.threadId,
          turnId: p.turnId,
          totalTokens: p.tokenUsage.total.totalTokens,
          lastTokens: p.tokenUsage.last.totalTokens,
          contextWindow: p.tokenUsage.modelContextWindow,
          total: tokenCountsOf(p.tokenUsage.total),
          last: tokenCountsOf(p.tokenUsage.last),
        },
      ];
    }
    case 'thread/goal/updated': {
      const p = message.params as NotificationParams<'thread/goal/updated'>;
      return [{ type: 'goalUpdated', laneId: p.threadId, objective: p.goal.objective, status: p.goal.status }];
    }
    case 'thread/goal/cleared': {
      const p = message.params as NotificationParams<'thread/goal/cleared'>;
      return [{ type: 'goalCleared', laneId: p.threadId }];
    }
    case 'thread/compacted': {
      const p = message.params as NotificationParams<'thread/compacted'>;
      return [{ type: 'compacted', laneId: p.threadId, turnId: p.turnId }];
    }
    default:
      return [];
  }
}

/**
 * `account/rateLimits/updated` as dispatch keeps it: the windows it reports (a sparse update: a
 * window it leaves null is unknown, not cleared). `resetsAt` comes as unix seconds.
 */
export function rateLimitsOf(params: NotificationParams<'account/rateLimits/updated'>): RateLimitObservation[] {
  const windows: RateLimitObservation[] = [];
  for (const name of ['primary', 'secondary'] as const) {
    const window = params.rateLimits[name];
    if (!window) continue;
    windows.push({
      window: name,
      usedPercent: window.usedPercent,
      windowMinutes: window.windowDurationMins,
      resetsAt: window.resetsAt === null ? null : new Date(window.resetsAt * 1000).toISOString(),
    });
  }
  return windows;
}
