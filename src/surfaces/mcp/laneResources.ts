import type { Server } from '@modelcontextprotocol/sdk/server/index.js';
import {
  ErrorCode as McpErrorCode,
  ListResourcesRequestSchema,
  ListResourceTemplatesRequestSchema,
  McpError,
  ReadResourceRequestSchema,
  SubscribeRequestSchema,
  UnsubscribeRequestSchema,
} from '@modelcontextprotocol/sdk/types.js';
import type { DaemonClient } from '../../client/client.js';
import { streamFacts } from '../../client/resumableSubscription.js';
import { toDispatchError } from '../../shared/errors.js';
import type { OpCaller } from './server.js';

/**
 * Lanes as MCP resources, `dispatch://lanes/<id>` (the lane's detail as JSON), that a client can
 * subscribe to: every fact appended on the lane sends `notifications/resources/updated` for its uri,
 * coalesced per event-loop turn, and the client reads the resource again. A subscription outlives a
 * daemon restart (it resumes from the last fact it saw).
 */
const PREFIX = 'dispatch://lanes/';

export const laneUri = (laneId: string): string => `${PREFIX}${laneId}`;

export interface LaneResourceDeps {
  call: OpCaller;
  /** A new daemon connection, one per subscription (its stream closes it), started when none runs like a tool call's. */
  connect: () => Promise<DaemonClient>;
  /** Connects again after a daemon restart, without starting one. */
  reconnect: () => Promise<DaemonClient>;
  log?: (message: string) => void;
}

interface LaneView {
  id: string;
  handle: string;
  status: string;
  attention: string;
}

function laneSelectorOf(uri: string): string {
  if (!uri.startsWith(PREFIX) || uri.length === PREFIX.length) throw new McpError(McpErrorCode.InvalidParams, `not a dispatch lane resource: ${uri} (expected ${PREFIX}<lane id or @handle>)`);
  return decodeURIComponent(uri.slice(PREFIX.length));
}

/** A dispatch error as the JSON-RPC error of a resource request (resources have no isError results). */
function asMcpError(error: unknown): McpError {
  if (error instanceof McpError) return error;
  const e = toDispatchError(error);
  return new McpError(e.code === 'not_found' || e.code === 'ambiguous' || e.code === 'validation' ? McpErrorCode.InvalidParams : McpErrorCode.InternalError, e.message, { code: e.code, ...e.data });
}

/** Adds the resources capability and its handlers to `server` (before it connects); returns a stop for every subscription. */
export function serveLaneResources(server: Server, deps: LaneResourceDeps): { close: () => void } {
  server.registerCapabilities({ resources: { subscribe: true, listChanged: false } });
  const subscriptions = new Map<string, AbortController>();
  const opts = { signal: new AbortController().signal };

  server.setRequestHandler(ListResourcesRequestSchema, async () => {
    try {
      const { lanes } = (await deps.call('lane.list', { include_archived: false }, opts)) as { lanes: LaneView[] };
      return {
        resources: lanes.map((lane) => ({ uri: laneUri(lane.id), name: lane.handle, title: `lane ${lane.handle}`, description: `status ${lane.status}, attention ${lane.attention}`, mimeType: 'application/json' })),
      };
    } catch (error) {
      throw asMcpError(error);
    }
  });

  server.setRequestHandler(ListResourceTemplatesRequestSchema, async () => ({
    resourceTemplates: [{ uriTemplate: `${PREFIX}{lane}`, name: 'lane', title: 'A dispatch lane', description: 'A lane by id (or @handle): its status, attention, latest turn and last agent message; subscribe to hear of every change.', mimeType: 'application/json' }],
  }));

  server.setRequestHandler(ReadResourceRequestSchema, async (request) => {
    try {
      const lane = await deps.call('lane.get', { lane: laneSelectorOf(request.params.uri) }, opts);
      return { contents: [{ uri: request.params.uri, mimeType: 'application/json', text: JSON.stringify(lane) }] };
    } catch (error) {
      throw asMcpError(error);
    }
  });

  server.setRequestHandler(SubscribeRequestSchema, async (request) => {
    const { uri } = request.params;
    if (subscriptions.has(uri)) return {};
    let lane: LaneView;
    let client: DaemonClient;
    try {
      lane = (await deps.call('lane.get', { lane: laneSelectorOf(uri) }, opts)) as LaneView;
      client = await deps.connect();
    } catch (error) {
      throw asMcpError(error);
    }
    const stop = new AbortController();
    subscriptions.set(uri, stop);
    let pending = false;
    const updated = (): void => {
      if (pending) return;
      pending = true;
      setImmediate(() => {
        pending = false;
        if (!stop.signal.aborted) server.sendResourceUpdated({ uri }).catch(() => undefined);
      });
    };
    // Subscribed before answering: a change right after the answer is never missed.
    let ready!: () => void;
    const subscribed = new Promise<void>((resolve) => (ready = resolve));
    streamFacts(client, {
      lanes: [lane.id],
      since: undefined,
      signal: stop.signal,
      reconnect: deps.reconnect,
      ready: async () => ready(),
      onEntry: (entry) => {
        if (entry.seq !== null) updated();
      },
      onDown: (message) => deps.log?.(message),
      onUp: (message) => deps.log?.(message),
    })
      .catch((error: unknown) => deps.log?.(`the subscription to ${uri} ended: ${(error as Error).message}`))
      .finally(() => {
        ready();
        if (subscriptions.get(uri) === stop) subscriptions.delete(uri);
      });
    await subscribed;
    return {};
  });

  server.setRequestHandler(UnsubscribeRequestSchema, async (request) => {
    subscriptions.get(request.params.uri)?.abort();
    subscriptions.delete(request.params.uri);
    return {};
  });

  return {
    close: () => {
      for (const stop of subscriptions.values()) stop.abort();
      subscriptions.clear();
    },
  };
}
