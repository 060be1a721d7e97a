/**
 * The codex app-server wire contract, curated from the generated types of the pinned binary.
 * Everything outside codex/ that needs a wire type imports it from here; nothing is restated
 * by hand except the response half of each method, which ts-rs does not tie to its request.
 */
import type { ClientRequest } from './generated/ClientRequest.js';
import type { ServerNotification } from './generated/ServerNotification.js';
import type { ServerRequest } from './generated/ServerRequest.js';
import type { InitializeResponse } from './generated/InitializeResponse.js';
import type { GetAccountRateLimitsResponse } from './generated/v2/GetAccountRateLimitsResponse.js';
import type { GetAccountResponse } from './generated/v2/GetAccountResponse.js';
import type { ModelListResponse } from './generated/v2/ModelListResponse.js';
import type { ThreadArchiveResponse } from './generated/v2/ThreadArchiveResponse.js';
import type { ThreadCompactStartResponse } from './generated/v2/ThreadCompactStartResponse.js';
import type { ThreadForkResponse } from './generated/v2/ThreadForkResponse.js';
import type { ThreadGoalClearResponse } from './generated/v2/ThreadGoalClearResponse.js';
import type { ThreadGoalGetResponse } from './generated/v2/ThreadGoalGetResponse.js';
import type { ThreadGoalSetResponse } from './generated/v2/ThreadGoalSetResponse.js';
import type { ThreadInjectItemsResponse } from './generated/v2/ThreadInjectItemsResponse.js';
import type { ThreadListResponse } from './generated/v2/ThreadListResponse.js';
import type { ThreadLoadedListResponse } from './generated/v2/ThreadLoadedListResponse.js';
import type { ThreadReadResponse } from './generated/v2/ThreadReadResponse.js';
import type { ThreadResumeResponse } from './generated/v2/ThreadResumeResponse.js';
import type { ThreadRevertResponse } from './generated/v2/ThreadRevertResponse.js';
import type { ThreadSetNameResponse } from './generated/v2/ThreadSetNameResponse.js';
import type { ThreadStartResponse } from './generated/v2/ThreadStartResponse.js';
import type { ThreadTurnsListResponse } from './generated/v2/ThreadTurnsListResponse.js';
import type { ThreadUnarchiveResponse } from './generated/v2/ThreadUnarchiveResponse.js';
import type { TurnInterruptResponse } from './generated/v2/TurnInterruptResponse.js';
import type { TurnStartResponse } from './generated/v2/TurnStartResponse.js';
import type { TurnSteerResponse } from './generated/v2/TurnSteerResponse.js';

type ParamsOf<M extends ClientRequest['method']> = Extract<ClientRequest, { method: M }>['params'];

/** The client→server methods dispatch uses, each with its generated params and result. */
export interface ClientMethods {
  initialize: { params: ParamsOf<'initialize'>; result: InitializeResponse };
  'thread/start': { params: ParamsOf<'thread/start'>; result: ThreadStartResponse };
  'thread/resume': { params: ParamsOf<'thread/resume'>; result: ThreadResumeResponse };
  'thread/fork': { params: ParamsOf<'thread/fork'>; result: ThreadForkResponse };
  'thread/list': { params: ParamsOf<'thread/list'>; result: ThreadListResponse };
  'thread/loaded/list': { params: ParamsOf<'thread/loaded/list'>; result: ThreadLoadedListResponse };
  'thread/read': { params: ParamsOf<'thread/read'>; result: ThreadReadResponse };
  'thread/turns/list': { params: ParamsOf<'thread/turns/list'>; result: ThreadTurnsListResponse };
  'thread/archive': { params: ParamsOf<'thread/archive'>; result: ThreadArchiveResponse };
  'thread/unarchive': { params: ParamsOf<'thread/unarchive'>; result: ThreadUnarchiveResponse };
  'thread/name/set': { params: ParamsOf<'thread/name/set'>; result: ThreadSetNameResponse };
  /** 0.169 has no thread/rollback: history is cut before a turn with thread/revert. */
  'thread/revert': { params: ParamsOf<'thread/revert'>; result: ThreadRevertResponse };
  'thread/compact/start': { params: ParamsOf<'thread/compact/start'>; result: ThreadCompactStartResponse };
  'thread/inject_items': { params: ParamsOf<'thread/inject_items'>; result: ThreadInjectItemsResponse };
  'thread/goal/get': { params: ParamsOf<'thread/goal/get'>; result: ThreadGoalGetResponse };
  'thread/goal/set': { params: ParamsOf<'thread/goal/set'>; result: ThreadGoalSetResponse };
  'thread/goal/clear': { params: ParamsOf<'thread/goal/clear'>; result: ThreadGoalClearResponse };
  'turn/start': { params: ParamsOf<'turn/start'>; result: TurnStartResponse };
  'turn/steer': { params: ParamsOf<'turn/steer'>; result: TurnSteerResponse };
  'turn/interrupt': { params: ParamsOf<'turn/interrupt'>; result: TurnInterruptResponse };
  'model/list': { params: ParamsOf<'model/list'>; result: ModelListResponse };
  'account/read': { params: ParamsOf<'account/read'>; result: GetAccountResponse };
  'account/rateLimits/read': { params: ParamsOf<'account/rateLimits/read'>; result: GetAccountRateLimitsResponse };
}

type Assert<T extends true> = T;
/** Fails to compile when a method above is not one the pinned codex accepts. */
export type KnownMethodsCheck = Assert<keyof ClientMethods extends ClientRequest['method'] ? true : false>;

export type ClientMethod = keyof ClientMethods;
export type ServerRequestMethod = ServerRequest['method'];
export type ServerRequestParams<M extends ServerRequestMethod> = Extract<ServerRequest, { method: M }>['params'];
export type NotificationMethod = ServerNotification['method'];
export type NotificationParams<M extends NotificationMethod> = Extract<ServerNotification, { method: M }>['params'];

/** Every server→client request kind of the pinned codex; each one must get an answer. */
export const SERVER_REQUEST_METHODS = [
  'item/commandExecution/requestApproval',
  'item/fileChange/requestApproval',
  'item/tool/requestUserInput',
  'mcpServer/elicitation/request',
  'item/permissions/requestApproval',
  'item/tool/call',
  'account/chatgptAuthTokens/refresh',
  'attestation/generate',
  'applyPatchApproval',
  'execCommandApproval',
] as const satisfies readonly ServerRequestMethod[];
type MissingServerRequest = Exclude<ServerRequestMethod, (typeof SERVER_REQUEST_METHODS)[number]>;
/** Fails to compile when codex adds a server request kind dispatch does not list. */
export type ServerRequestsCheck = Assert<[MissingServerRequest] extends [never] ? true : false>;

export type { ClientRequest, ServerNotification, ServerRequest, InitializeResponse };
export type { InitializeParams } from './generated/InitializeParams.js';
export type { RequestId } from './generated/RequestId.js';
export type { AskForApproval } from './generated/v2/AskForApproval.js';
export type { SandboxMode } from './generated/v2/SandboxMode.js';
export type { SandboxPolicy } from './generated/v2/SandboxPolicy.js';
export type { Thread } from './generated/v2/Thread.js';
export type { ThreadItem } from './generated/v2/ThreadItem.js';
export type { ThreadStatus } from './generated/v2/ThreadStatus.js';
export type { TokenUsageBreakdown } from './generated/v2/TokenUsageBreakdown.js';
export type { ThreadActiveFlag } from './generated/v2/ThreadActiveFlag.js';
export type { Turn } from './generated/v2/Turn.js';
export type { TurnStatus } from './generated/v2/TurnStatus.js';
export type { TurnError } from './generated/v2/TurnError.js';
export type { UserInput } from './generated/v2/UserInput.js';
export type { ThreadGoal } from './generated/v2/ThreadGoal.js';
export type { ThreadGoalStatus } from './generated/v2/ThreadGoalStatus.js';
export type { ThreadTokenUsage } from './generated/v2/ThreadTokenUsage.js';
export type { CommandExecutionApprovalDecision } from './generated/v2/CommandExecutionApprovalDecision.js';
export type { FileChangeApprovalDecision } from './generated/v2/FileChangeApprovalDecision.js';
export type { ReasoningEffort } from './generated/ReasoningEffort.js';
export type { ReviewDecision } from './generated/ReviewDecision.js';
export type { ApplyPatchApprovalResponse } from './generated/ApplyPatchApprovalResponse.js';
export type { ExecCommandApprovalResponse } from './generated/ExecCommandApprovalResponse.js';
export type { ToolRequestUserInputResponse } from './generated/v2/ToolRequestUserInputResponse.js';
export type { McpServerElicitationRequestResponse } from './generated/v2/McpServerElicitationRequestResponse.js';
export type { McpElicitationPrimitiveSchema } from './generated/v2/McpElicitationPrimitiveSchema.js';
export type { DynamicToolCallResponse } from './generated/v2/DynamicToolCallResponse.js';
