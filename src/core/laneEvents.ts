/**
 * What happens on a lane, in dispatch's own vocabulary. codex/ projects the app-server's wire
 * messages into these at its boundary, so core logic never reads a wire shape.
 */
export type LaneStatus = 'idle' | 'active' | 'notLoaded' | 'systemError';

export type TurnOutcome = 'completed' | 'interrupted' | 'failed';

export interface TurnFailure {
  message: string;
  /** codex's classification (`other`, `internalServerError`, …) when it gave one. */
  code?: string;
  details?: string;
}

/**
 * An agent message codex's moderation says not to show (`hide`: show a replacement instead;
 * `block`: show nothing); `reason` is codex's replacement or block kind.
 */
export interface WithheldMessage {
  mode: 'hide' | 'block';
  reason: string;
}

/** A summary of one thread item; `raw` keeps the wire item for views that need more. */
export interface LaneItem {
  id: string;
  type: string;
  text?: string;
  command?: string;
  exitCode?: number | null;
  status?: string;
  paths?: string[];
  /** On user messages: the clientUserMessageId the message was sent with (delivery receipts). */
  clientId?: string;
  /** On agent messages codex moderated: `text` is then a placeholder saying so, never the message. */
  withheld?: WithheldMessage;
  raw: unknown;
}

/** `mcpToolCall`: codex asks, as an MCP elicitation, before an MCP server's tool runs. */
export type ApprovalKind = 'command' | 'fileChange' | 'permissions' | 'mcpToolCall';

/** Every kind of request that waits for a person: approvals, questions (user input), MCP elicitations. */
export type RequestKind = ApprovalKind | 'userInput' | 'elicitation';

export type LaneEvent =
  | { type: 'turnStarted'; laneId: string; turnId: string }
  | {
      type: 'turnCompleted';
      laneId: string;
      turnId: string;
      outcome: TurnOutcome;
      error?: TurnFailure;
      durationMs?: number;
      /** The text of the turn's last agent message, if it produced one (a placeholder when moderation withheld it). */
      lastAgentMessage?: string;
    }
  /** The `error` notification: a turn failure reported before (or without) turn/completed. */
  | { type: 'turnError'; laneId: string; turnId: string; error: TurnFailure; willRetry: boolean }
  | { type: 'statusChanged'; laneId: string; status: LaneStatus; activeFlags: string[] }
  | { type: 'itemStarted'; laneId: string; turnId: string; item: LaneItem }
  | { type: 'itemCompleted'; laneId: string; turnId: string; item: LaneItem }
  | { type: 'agentMessageDelta'; laneId: string; turnId: string; itemId: string; delta: string }
  | {
      type: 'approvalRequested';
      laneId: string;
      /** Null for an MCP elicitation codex could not tie to a turn. */
      turnId: string | null;
      /** Absent for MCP elicitations (they belong to no item). */
      itemId?: string;
      requestId: string | number;
      kind: RequestKind;
      command?: string;
      cwd?: string;
      reason?: string;
      /** The question (user input) or message (elicitation) a person has to answer. */
      question?: string;
    }
  | { type: 'approvalResolved'; laneId: string; requestId: string | number }
  | {
      type: 'tokenUsage';
      laneId: string;
      turnId: string;
      /** The thread's running total (all its turns) and the last model request's tokens, as codex reports them. */
      totalTokens: number;
      lastTokens: number;
      contextWindow: number | null;
      /** The same two, broken down (absent in facts stored before dispatch recorded them). */
      total?: TokenCounts;
      last?: TokenCounts;
    }
  | { type: 'goalUpdated'; laneId: string; objective: string; status: string }
  | { type: 'goalCleared'; laneId: string }
  | { type: 'compacted'; laneId: string; turnId: string };

export type LaneEventType = LaneEvent['type'];

/** Token counts of codex's usage breakdowns: cached is part of input, reasoning part of output. */
export interface TokenCounts {
  input: number;
  cachedInput: number;
  output: number;
  reasoning: number;
  total: number;
}
