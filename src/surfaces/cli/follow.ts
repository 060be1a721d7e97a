import { DispatchError } from '../../shared/errors.js';
import { isLaneEvent, type FeedEntry, type LaneEvent } from '../../control/protocol.js';
import { DaemonClient } from '../../client/client.js';
import { resolvePaths } from '../../control/paths.js';
import { daemonClient } from './daemonConnection.js';
import { factLine, factRow, type FactRow } from './eventsView.js';
import { streamFacts } from '../../client/resumableSubscription.js';
import { dim } from './render.js';

type Write = (text: string) => void;

/** What the renderer remembers between events: the agent message being streamed, and how much of it is out. */
export interface RenderState {
  inMessage: boolean;
  /** The streaming message's item id and the text of it printed so far (to print only the rest at its end). */
  itemId?: string;
  printed?: string;
}

/** The command that answers a request: with its id when known, else how to find it. */
const answerHint = (lane: string | undefined, kind: string, requestId: number | undefined): string => {
  const respond = `dispatch request respond ${requestId ?? 'ID'} ${kind === 'userInput' || kind === 'elicitation' ? '--answer …' : 'accept|decline'}`;
  return requestId === undefined ? `answer: dispatch request list${lane ? ` --lane ${lane}` : ''}, then ${respond}` : `answer: ${respond}`;
};

/**
 * One line (or fragment) of human output per lane event; the agent's text streams inline as it
 * arrives. `requestId` is dispatch's id of the request an `approvalRequested` event asks, when known.
 */
export function renderEvent(event: LaneEvent, write: Write, state: RenderState, lane?: string, requestId?: number): void {
  const endMessage = (): void => {
    if (state.inMessage) write('\n');
    state.inMessage = false;
    delete state.itemId;
    delete state.printed;
  };
  switch (event.type) {
    case 'turnStarted':
      endMessage();
      write(dim(`── turn ${event.turnId} started\n`));
      return;
    case 'agentMessageDelta':
      if (state.inMessage && state.itemId !== event.itemId) endMessage();
      state.inMessage = true;
      state.itemId = event.itemId;
      state.printed = `${state.printed ?? ''}${event.delta}`;
      write(event.delta);
      return;
    case 'itemCompleted':
      if (event.item.type === 'commandExecution') {
        endMessage();
        write(`$ ${event.item.command ?? ''}${event.item.exitCode === undefined || event.item.exitCode === null ? '' : `  (exit ${event.item.exitCode})`}\n`);
      } else if (event.item.type === 'fileChange') {
        endMessage();
        write(`± ${(event.item.paths ?? []).join(', ')} (${event.item.status ?? ''})\n`);
      } else if (event.item.type === 'agentMessage') {
        const text = event.item.text ?? '';
        // What the deltas did not show: all of it when none arrived, the rest when the stream resumed mid-message.
        const streamed = state.inMessage && state.itemId === event.item.id ? (state.printed ?? '') : '';
        if (!streamed) endMessage();
        const rest = text.startsWith(streamed) ? text.slice(streamed.length) : '';
        if (rest) write(rest);
        state.inMessage ||= rest !== '';
        endMessage();
      }
      return;
    case 'approvalRequested':
      endMessage();
      write(
        event.question === undefined
          ? `? ${event.kind} approval requested${event.command ? `: ${event.command}` : ''} — ${answerHint(lane, event.kind, requestId)}\n`
          : `? ${event.kind === 'userInput' ? 'the agent asks' : 'an MCP server asks'}: ${event.question} — ${answerHint(lane, event.kind, requestId)}\n`,
      );
      return;
    case 'approvalResolved':
      endMessage();
      write(dim('  (answered)\n'));
      return;
    case 'turnError':
      endMessage();
      write(`! ${event.error.message}${event.willRetry ? ' (codex retries)' : ''}\n`);
      return;
    case 'turnCompleted':
      endMessage();
      write(dim(`── turn ${event.turnId} ${event.outcome}${event.error ? `: ${event.error.message}` : ''}\n`));
      return;
    default:
      return;
  }
}

/** An AbortSignal that Ctrl-C (SIGINT) or SIGTERM aborts; `release` removes the handlers. */
export function interruptSignal(): { signal: AbortSignal; release: () => void } {
  const controller = new AbortController();
  const abort = (): void => controller.abort();
  process.once('SIGINT', abort);
  process.once('SIGTERM', abort);
  return {
    signal: controller.signal,
    release: () => {
      process.off('SIGINT', abort);
      process.off('SIGTERM', abort);
    },
  };
}

const stdoutWrite: Write = (text) => void process.stdout.write(text);
const stderrLine = (text: string): void => void process.stderr.write(`dispatch: ${text}\n`);

/** A lane selector resolved once to its id and handle (a follower keeps the lane across renames and reconnects); `station` for another station's. */
async function laneRef(client: DaemonClient, selector: string): Promise<{ id: string; handle: string; station?: string }> {
  return client.call<{ id: string; handle: string; station?: string }>('lane.get', { lane: selector });
}

/** How often `lane tail --follow NAME@STATION` reads what the lane's station published. */
const REMOTE_POLL_MS = 1000;

/**
 * Another station's lane: its live events are that station's, so this reads what the station
 * publishes (its completed items, a second or so behind) until Ctrl-C or the timeout. JSON mode
 * prints the first page as one line, then one item per line.
 */
async function followRemoteLane(client: DaemonClient, selector: string, options: FollowLaneOptions): Promise<void> {
  const interrupt = interruptSignal();
  const deadline = options.timeoutSeconds === undefined ? Number.POSITIVE_INFINITY : Date.now() + options.timeoutSeconds * 1000;
  const shown = new Set<string>();
  let first = true;
  try {
    while (!interrupt.signal.aborted && Date.now() < deadline) {
      const tail = await client.call<{ items: Array<{ item_id: string; turn_id: string; type: string; text: string | null }> }>('lane.tail', { lane: selector, limit: first ? (options.history ?? 1) : 200 });
      const fresh = tail.items.filter((item) => !shown.has(item.item_id));
      for (const item of tail.items) shown.add(item.item_id);
      if (first) {
        if (options.history !== undefined) {
          if (options.json) stdoutWrite(`${JSON.stringify(tail)}\n`);
          else for (const item of fresh) stdoutWrite(transcriptLine(item));
        }
        if (!options.json) stdoutWrite(dim(`── following ${selector}: what its station publishes (Ctrl-C to stop)\n`));
        first = false;
      } else {
        for (const item of fresh) stdoutWrite(options.json ? `${JSON.stringify(item)}\n` : transcriptLine(item));
      }
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, Math.min(REMOTE_POLL_MS, Math.max(0, deadline - Date.now())));
        interrupt.signal.addEventListener('abort', () => (clearTimeout(timer), resolve()), { once: true });
      });
    }
  } finally {
    interrupt.release();
  }
}

export interface FollowLaneOptions {
  json: boolean;
  /** Stop when the running (or next) turn ends. */
  untilIdle?: boolean;
  timeoutSeconds?: number;
  /** Show this many items of the lane's transcript first (`lane tail --follow`), then live. */
  history?: number;
}

/**
 * Streams what codex reports on a lane until Ctrl-C (or `untilIdle`, or the timeout): the agent's
 * text as it is written, commands with their exit codes, file changes, requests with the command
 * that answers them, turn starts and ends. It resumes from the last fact after a daemon restart.
 * JSON mode prints one event per line (after, with `history`, one line holding the transcript).
 */
export async function followLane(selector: string, options: FollowLaneOptions): Promise<void> {
  const client = await daemonClient();
  const lane = await laneRef(client, selector);
  if (lane.station !== undefined) {
    if (options.untilIdle) throw new DispatchError('validation', `${lane.handle} is a lane of station ${lane.station}: waiting for it to go idle works on that station (\`dispatch lane tail --follow ${selector}\` follows what it publishes)`);
    return followRemoteLane(client, selector, options);
  }
  const state: RenderState = { inMessage: false };
  const interrupt = interruptSignal();
  const stop = new AbortController();
  const finish = (): void => stop.abort();
  interrupt.signal.addEventListener('abort', finish, { once: true });
  const timer = options.timeoutSeconds === undefined ? undefined : setTimeout(finish, options.timeoutSeconds * 1000);
  /** Items the transcript showed: their live completion (already buffered) is not shown twice. */
  const shown = new Set<string>();
  let rendered: Promise<void> = Promise.resolve();
  try {
    await streamFacts(client, {
      lanes: [lane.id],
      since: undefined,
      signal: stop.signal,
      ...(options.history === undefined
        ? {}
        : {
            ready: async (c: DaemonClient) => {
              const tail = await c.call<{ items: Array<{ item_id: string; turn_id: string; type: string; text: string | null }> }>('lane.tail', { lane: lane.id, limit: options.history });
              for (const item of tail.items) shown.add(item.item_id);
              if (options.json) stdoutWrite(`${JSON.stringify(tail)}\n`);
              else for (const item of tail.items) stdoutWrite(transcriptLine(item));
              if (!options.json) stdoutWrite(dim(`── live (Ctrl-C to stop)\n`));
            },
          }),
      onEntry: ({ event }: FeedEntry) => {
        // A lane's live stream is what codex reports on it; `events` shows dispatch's own facts too.
        if (stop.signal.aborted || !isLaneEvent(event)) return;
        if (shown.has(itemIdOf(event) ?? '')) return;
        if (options.untilIdle && event.type === 'turnCompleted') finish();
        if (options.json) return stdoutWrite(`${JSON.stringify(event)}\n`);
        // In order: a request waits for the lookup of its id, and what follows waits for it.
        rendered = rendered.then(async () => {
          const requestId = event.type === 'approvalRequested' ? await pendingRequestId(lane.id, event.kind) : undefined;
          renderEvent(event, stdoutWrite, state, lane.handle, requestId);
        });
      },
      onDown: stderrLine,
      onUp: stderrLine,
    });
  } finally {
    if (timer) clearTimeout(timer);
    interrupt.release();
    await rendered;
    if (state.inMessage) stdoutWrite('\n');
  }
}

const REQUEST_LOOKUPS = 5;

/**
 * Dispatch's id of the newest pending request of `kind` on the lane, to print the command that answers it
 * (undefined when it cannot be read). Its own connection: the follower's may be a restarted daemon's by now.
 */
export async function pendingRequestId(laneId: string, kind: string, connect: () => Promise<DaemonClient> = () => DaemonClient.connect(resolvePaths().socket, { timeoutMs: 2000 })): Promise<number | undefined> {
  let client: DaemonClient | undefined;
  try {
    client = await connect();
    // The request's row is written as codex's request is handled, a moment after the event may have come.
    for (let attempt = 0; attempt < REQUEST_LOOKUPS; attempt++) {
      const { requests } = await client.call<{ requests: Array<{ id: number; kind: string }> }>('request.list', { lane: laneId });
      const newest = requests.find((r) => r.kind === kind); // newest first
      if (newest) return newest.id;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    return undefined;
  } catch {
    return undefined;
  } finally {
    await client?.close().catch(() => undefined);
  }
}

function itemIdOf(event: LaneEvent): string | undefined {
  if (event.type === 'itemCompleted' || event.type === 'itemStarted') return event.item.id;
  if (event.type === 'agentMessageDelta') return event.itemId;
  return undefined;
}

function transcriptLine(item: { type: string; text: string | null }): string {
  const text = item.text ?? '';
  switch (item.type) {
    case 'userMessage':
      return `> ${text.replace(/\n/g, '\n> ')}\n`;
    case 'agentMessage':
      return `${text}\n`;
    case 'commandExecution':
      return `$ ${text}\n`;
    default:
      return dim(`[${item.type}]${text ? ` ${text}` : ''}\n`);
  }
}

export interface FollowEventsOptions {
  lanes: readonly string[];
  /** Print the facts after this seq first; undefined: from now. */
  since: number | undefined;
  json: boolean;
}

/** Facts per backlog page (the `events` op's largest). */
const BACKLOG_PAGE = 1000;

/**
 * `dispatch events --follow`: every fact of the log as it is appended, one line each (NDJSON with
 * --json), from a cursor: the backlog through the `events` op, then a subscription from the cursor
 * the backlog ended at (the daemon replays anything appended in between), so none is missed or
 * printed twice; after a daemon restart it resumes from the last seq it printed. Ctrl-C ends it.
 */
export async function followEvents(options: FollowEventsOptions): Promise<void> {
  const client = await daemonClient();
  const lanes = await Promise.all(options.lanes.map((selector) => laneRef(client, selector)));
  const { lanes: listed } = await client.call<{ lanes: Array<{ id: string; handle: string }> }>('lane.list', { include_archived: true });
  const handles = new Map(listed.map((l) => [l.id, l.handle]));
  const print = (row: FactRow): void => {
    if (typeof row.handle === 'string') handles.set(row.lane, row.handle);
    stdoutWrite(options.json ? `${JSON.stringify(row)}\n` : `${factLine(row)}\n`);
  };
  const interrupt = interruptSignal();
  try {
    await streamFacts(client, {
      ...(lanes.length > 0 ? { lanes: lanes.map((l) => l.id) } : {}),
      since: options.since,
      signal: interrupt.signal,
      backlog: async (c, since) => {
        let cursor = since;
        for (;;) {
          const page = await c.call<{ events: FactRow[]; next_since: number; missed: boolean; oldest_seq: number | null }>('events', {
            since: cursor,
            limit: BACKLOG_PAGE,
            ...(lanes.length > 0 ? { lane: lanes.map((l) => l.id) } : {}),
          });
          if (page.missed && cursor === since) stderrLine(`facts after seq ${since} were pruned; the log starts at ${page.oldest_seq ?? 'its end'}`);
          for (const row of page.events) print(row);
          cursor = page.next_since;
          if (page.events.length < BACKLOG_PAGE) return cursor;
        }
      },
      onEntry: (entry) => {
        // Deltas are never stored: they are no fact of the log.
        if (entry.seq === null) return;
        const { event } = entry;
        if (event.type === 'laneCreated' || event.type === 'laneRenamed') handles.set(event.laneId, event.handle);
        print(factRow(entry, handles));
      },
      onDown: stderrLine,
      onUp: stderrLine,
    });
  } finally {
    interrupt.release();
  }
}
