import { DispatchError } from '../shared/errors.js';
import type { OutboxRepository } from './fleetOutbox.js';
import type { Fact, FactType, StoredFact } from './facts.js';
import type { LaneItem, TokenCounts } from './laneEvents.js';
import type { Attention, AuditEntry, Delivery, InboxItem, DeliveryMode, DeliveryState, Lane, LaneState, LaneWorktree, LatestTurn, RequestState, ServerRequestRecord, Trigger, TurnSettings } from './model.js';

/**
 * The ports core depends on. store/ implements the repositories (synchronously: one SQLite
 * writer, each call atomic), codex/ implements AppServer. core never sees SQL or wire shapes.
 */

export interface NewLaneRecord {
  id: string;
  handle: string;
  source: Lane['source'];
  cwd: string | null;
  status: LaneState;
  /** Idle when absent (the column's default). */
  attention?: Attention;
  settings: TurnSettings;
  ephemeral: boolean;
  /** None when absent. */
  worktree?: LaneWorktree | null;
}

export type LanePatch = Partial<Pick<Lane, 'handle' | 'status' | 'attention' | 'activeTurnId' | 'latestTurn' | 'lastAgentMessage' | 'lastEventAt' | 'cwd' | 'worktree'>>;

export interface LaneRepository {
  insert(record: NewLaneRecord): Lane;
  find(id: string): Lane | undefined;
  findByHandle(handle: string): Lane[];
  list(options?: { includeArchived?: boolean }): Lane[];
  update(id: string, patch: LanePatch): Lane;
  /** Lanes in one of `statuses` or holding a receipt in one of `receiptStates` (each lane once). */
  countBusy(statuses: readonly LaneState[], receiptStates: readonly DeliveryState[]): number;
}

export interface AuditLog {
  record(entry: { op: string; lane?: string | null; triggerId?: string | null; detail?: string | null; outcome?: string }): void;
  recent(options: { limit: number; lane?: string }): AuditEntry[];
}

/** A trigger as a handler creates it; the repository stamps the rest. */
export type NewTrigger = Omit<Trigger, 'createdAt' | 'lastFiredAt' | 'lastError' | 'failureCount'>;

export interface TriggerRepository {
  insert(trigger: NewTrigger): Trigger;
  find(id: string): Trigger | undefined;
  list(): Trigger[];
  setEnabled(id: string, enabled: boolean): Trigger | undefined;
  /** Records a firing: an error counts one more consecutive failure, success (null) clears them. */
  markFired(id: string, at: string, error?: string | null): void;
  remove(id: string): boolean;
}

export interface NewDelivery {
  lane: string;
  mode: DeliveryMode;
  source: string;
  text: string;
  idempotencyKey?: string;
  clientMessageId: string;
  state: 'queued' | 'submitting' | 'accepted';
}

/** The delivery ledger: every message dispatch delivers has a receipt here, written before any I/O. */
export interface DeliveryRepository {
  insert(delivery: NewDelivery): Delivery;
  find(id: number): Delivery | undefined;
  findByKey(idempotencyKey: string): Delivery | undefined;
  findByTurn(lane: string, turnId: string): Delivery[];
  /** The lane's oldest queued delivery. */
  nextQueued(lane: string): Delivery | undefined;
  /** A delivery in flight or unsettled (submitting, ambiguous) that holds the lane's queue. */
  blocking(lane: string): Delivery | undefined;
  /** Compare-and-set: moves the delivery to `to` only from one of `from`; false when it was elsewhere. */
  transition(id: number, from: readonly DeliveryState[], to: DeliveryState, patch?: { turnId?: string | null; error?: string | null; note?: string | null }): boolean;
  /** Sets (null: clears) why a queued delivery is held back; false when it is not queued or already says so. A transition clears it. */
  hold(id: number, reason: string | null): boolean;
  list(options: { lane?: string; states?: readonly DeliveryState[]; limit?: number }): Delivery[];
  countByState(lane?: string): Partial<Record<DeliveryState, number>>;
  /** The newest delivery from one source (e.g. `trigger:<id>`), for dedupe across restarts. */
  latestBySource(source: string): Delivery | undefined;
}

export type NewServerRequest = Omit<ServerRequestRecord, 'id' | 'state' | 'decision' | 'decidedBy' | 'createdAt' | 'answeredAt' | 'error' | 'answer'>;

export interface RequestOutcome {
  decision?: string;
  decidedBy: string;
  error?: string;
  /** What was answered to a prompt (already redacted). */
  answer?: Record<string, unknown>;
}

export interface RequestRepository {
  insert(request: NewServerRequest): ServerRequestRecord;
  find(id: number): ServerRequestRecord | undefined;
  /** Compare-and-set from `pending`: true for exactly one caller, however many race. */
  settle(id: number, to: Exclude<RequestState, 'pending'>, outcome: RequestOutcome): boolean;
  list(options: { states?: readonly RequestState[]; lane?: string; limit?: number }): ServerRequestRecord[];
  /** Fails every pending request of connections other than `generation` (their answers cannot arrive). */
  failStale(generation: number, error: string): number;
}

export interface InboxRepository {
  insert(item: { lane: string; event: string; text: string; triggerId: string | null }): InboxItem;
  find(id: number): InboxItem | undefined;
  list(options: { unackedOnly: boolean; lane?: string; limit: number }): InboxItem[];
  markRead(id: number): void;
  ack(id: number): boolean;
  latestForTrigger(triggerId: string): InboxItem | undefined;
}

/** How long the fact log keeps facts: at most `keep` of them, none older than `maxAgeDays`. */
export interface FactRetention {
  keep: number;
  maxAgeDays: number;
}

export interface FactRepository {
  /** Appends one fact (in the caller's transaction) and returns its sequence number. */
  append(fact: Fact, at: string): number;
  /** Facts after `seq`, oldest first, optionally of some lanes only. */
  since(seq: number, options: { lanes?: readonly string[]; limit: number }): StoredFact[];
  /** The oldest sequence number still kept (null when none is) and the latest ever handed out (0 before the first). */
  bounds(): { oldest: number | null; latest: number };
  /** A lane's latest kept fact of this type (e.g. its token use), read backwards from the newest. */
  latestOfType(lane: string, type: FactType): StoredFact | undefined;
  /**
   * Drops facts past the retention, except those an unsettled receipt or a pending request may
   * still need (everything appended since the oldest of them was made). Returns how many went.
   */
  prune(retention: FactRetention, now: Date): number;
}

/** One turn's token use: written by the journal from codex's usage reports (core/usage.ts derives it). */
export interface TurnUsage {
  lane: string;
  turnId: string;
  /** What this turn used (its model requests added up). */
  tokens: TokenCounts;
  /** The thread's running total at the turn's latest report: the next turn's usage is counted from it. */
  threadTotal: TokenCounts;
  /** The lane's model setting when the turn was reported (null: codex's default). */
  model: string | null;
  contextWindow: number | null;
  /** When the turn's latest report was recorded, and the sequence number of its fact. */
  at: string;
  seq: number;
}

/** Sums of turn usage: the token counts and how many turns they cover. */
export interface UsageTotals extends TokenCounts {
  turns: number;
}

/** How `UsageRepository.summarize` groups: by UTC day (`YYYY-MM-DD`) or by lane id. */
export type UsageGrouping = 'day' | 'lane';

export interface UsageRepository {
  /** Inserts or replaces the row of (lane, turnId). */
  put(usage: TurnUsage): void;
  find(lane: string, turnId: string): TurnUsage | undefined;
  /** The lane's most recently reported turn (highest seq). */
  latest(lane: string): TurnUsage | undefined;
  /** Totals per group of the turns reported at or after `since` (ISO time), of some lanes only when given; groups in key order. */
  summarize(options: { by: UsageGrouping; since?: string; lanes?: readonly string[] }): Array<UsageTotals & { key: string }>;
}

/** One rate-limit window of the account as codex reported it (`account/rateLimits/updated`). */
export interface RateLimitObservation {
  window: 'primary' | 'secondary';
  usedPercent: number;
  windowMinutes: number | null;
  /** ISO time the window resets; null when codex did not say. */
  resetsAt: string | null;
}

/** A stored window: the latest report of it (shown by `daemon status`, read by admission). */
export interface RateLimitWindowRow {
  window: 'primary' | 'secondary';
  used_percent: number;
  window_minutes: number | null;
  resets_at: string | null;
  observed_at: string;
}

export interface RateLimitRepository {
  /** Replaces the rows of the windows given; the others keep their last report. */
  record(windows: readonly RateLimitObservation[], observedAt: string): void;
  current(): RateLimitWindowRow[];
}

export interface Store {
  lanes: LaneRepository;
  usage: UsageRepository;
  facts: FactRepository;
  audit: AuditLog;
  triggers: TriggerRepository;
  deliveries: DeliveryRepository;
  requests: RequestRepository;
  inbox: InboxRepository;
  /** The fleet outbox: cross-station mail this station sends (core/fleetOutbox.ts). */
  outbox: OutboxRepository;
  rateLimits: RateLimitRepository;
  /** Runs fn in one transaction (nested calls join the outer one). */
  transaction<T>(fn: () => T): T;
  /**
   * Runs fn in the open transaction without a savepoint of its own (in a new one when none is
   * open); if fn throws, the enclosing transaction level rolls back when it ends, even if its caller
   * catches the error. For writes too frequent to pay for a savepoint each (the journal's).
   */
  join<T>(fn: () => T): T;
  /** Runs fn once the current transaction commits (at once outside one); never when it rolls back. */
  afterCommit(fn: () => void): void;
  schemaVersion(): number;
  close(): void;
}

/** Thread metadata as dispatch uses it. */
export interface ThreadSummary {
  id: string;
  name: string | null;
  preview: string;
  cwd: string;
  status: 'idle' | 'active' | 'notLoaded' | 'systemError';
  source: string;
  ephemeral: boolean;
  archived?: boolean;
  createdAt: number;
  updatedAt: number;
  forkedFromId: string | null;
}

export interface TranscriptTurn {
  id: string;
  status: LatestTurn['status'];
  error: { message: string; code?: string } | null;
  items: LaneItem[];
}

export interface Goal {
  objective: string;
  status: string;
  tokenBudget: number | null;
  tokensUsed: number;
  timeUsedSeconds: number;
  createdAt: number;
  updatedAt: number;
}

export interface StartThreadOptions {
  cwd: string;
  settings: TurnSettings;
  ephemeral: boolean;
  baseInstructions?: string;
  developerInstructions?: string;
}

export interface AppServerInfo {
  state: 'starting' | 'running' | 'restarting' | 'failed' | 'stopped';
  pid: number | null;
  codexVersion: string | null;
  codexBinary: string | null;
  startedAt: string | null;
  restarts: number;
  lastExit: string | null;
  /** When a `failed` app-server (restart budget spent) is tried again by itself; null otherwise. */
  retryAt: string | null;
  /** While not running: what is wrong and what to do (the message calls are refused with); null while running. */
  problem: string | null;
  /** codex's `account/read` at the last (re)start: no account while OpenAI auth is required means no turn can run. Null when unread. */
  account: { type: string | null; requiresOpenaiAuth: boolean } | null;
}

/**
 * Failures of an AppServer call core branches on. The adapter recognizes them in codex's answers and
 * throws an `app_server` DispatchError with `data.failure` set, so core never matches codex's words.
 */
export type AppServerFailure = 'no_rollout' | 'unavailable';

export function appServerFailureOf(error: unknown): AppServerFailure | undefined {
  if (!(error instanceof DispatchError) || error.code !== 'app_server') return undefined;
  const failure = error.data?.['failure'];
  return failure === 'no_rollout' || failure === 'unavailable' ? failure : undefined;
}

/**
 * codex is not there (starting, restarting, failed, stopped): the call never left dispatch, so
 * nothing was delivered. Unlike a refusal by codex, a queued message can wait for it to come back.
 */
export function isAppServerUnavailable(error: unknown): boolean {
  return appServerFailureOf(error) === 'unavailable';
}

/** The codex app-server as core needs it; implemented over the live client by codex/. */
export interface AppServer {
  info(): AppServerInfo;
  /**
   * Starts a `failed` (or `restarting`) app-server now with a fresh restart budget and resolves
   * once it runs; a running one is left alone. Rejects with `app_server` when it cannot start.
   */
  restart(): Promise<AppServerInfo>;
  startThread(options: StartThreadOptions): Promise<{ threadId: string; cwd: string }>;
  /** Metadata only (thread/read without turns): never loads or resumes the thread. */
  readThread(threadId: string): Promise<ThreadSummary>;
  resumeThread(threadId: string): Promise<ThreadSummary>;
  listThreads(options: { limit: number; cursor?: string | null; archived?: boolean }): Promise<{ threads: ThreadSummary[]; nextCursor: string | null }>;
  listTurns(threadId: string, options?: { limit?: number }): Promise<TranscriptTurn[]>;
  startTurn(threadId: string, options: { text: string; cwd: string; settings: TurnSettings; clientUserMessageId?: string }): Promise<{ turnId: string }>;
  steerTurn(threadId: string, options: { expectedTurnId: string; text: string; clientUserMessageId?: string }): Promise<{ turnId: string }>;
  interruptTurn(threadId: string, turnId: string): Promise<void>;
  injectContext(threadId: string, text: string): Promise<void>;
  setName(threadId: string, name: string): Promise<void>;
  archive(threadId: string): Promise<void>;
  unarchive(threadId: string): Promise<void>;
  fork(threadId: string, options: { cwd?: string; settings?: Partial<TurnSettings>; ephemeral: boolean }): Promise<{ threadId: string; cwd: string }>;
  /** Cuts persisted history before `beforeTurnId` (that turn and all later ones go). */
  revert(threadId: string, beforeTurnId: string): Promise<void>;
  compact(threadId: string): Promise<void>;
  goalGet(threadId: string): Promise<Goal | null>;
  goalSet(threadId: string, goal: { objective?: string; status?: string; tokenBudget?: number }): Promise<Goal>;
  goalClear(threadId: string): Promise<void>;
}

export interface Clock {
  now(): Date;
}

export const systemClock: Clock = { now: () => new Date() };

/** Where a directory sits in git: its working tree's top level and the repository's main working tree. */
export interface RepoLocation {
  /** `git rev-parse --show-toplevel` of the directory (a linked worktree's own root inside one). */
  toplevel: string;
  /** The main working tree (the parent of the common git dir). */
  mainRoot: string;
}

export interface WorktreeStatus {
  /** Entries of `git status --porcelain` (changed, staged or untracked files). */
  dirtyFiles: number;
  /** Commits on the branch not in the base, and in the base not on the branch; null when the base no longer resolves. */
  ahead: number | null;
  behind: number | null;
}

/**
 * Git worktrees as core needs them; implemented by git/ (the only code that runs git). Failures a
 * caller can act on are typed DispatchErrors: `validation` (no repository, unknown ref), `conflict`
 * (branch exists, path in use, dirty worktree), `not_found` (no such branch).
 */
export interface Worktrees {
  /** The repository containing `dir`, or null when `dir` is in none. */
  locate(dir: string): Promise<RepoLocation | null>;
  /** The name a ref is best counted against: `HEAD` becomes its branch (or commit when detached); other refs must resolve. */
  baseName(repo: string, ref: string): Promise<string>;
  branchExists(repo: string, branch: string): Promise<boolean>;
  /** Adds a worktree at `path` on a NEW branch made from `base`; refuses an existing branch or path. */
  create(worktree: LaneWorktree): Promise<void>;
  /** Adds a worktree at `path` on the EXISTING branch (restoring a removed one). */
  reattach(worktree: LaneWorktree): Promise<void>;
  /** Removes the worktree (the branch stays); git refuses a dirty one without `force`. A path already gone is no error. */
  remove(worktree: LaneWorktree, options: { force: boolean }): Promise<void>;
  /** Deletes the branch (rolling back a creation that failed later). */
  deleteBranch(repo: string, branch: string): Promise<void>;
  /** The worktree's state, or null when it is not there (removed, or never made). */
  status(worktree: LaneWorktree): Promise<WorktreeStatus | null>;
}
