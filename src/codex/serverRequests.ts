import type { ApprovalKind } from '../core/laneEvents.js';
import { RPC_CODES, RpcError } from '../jsonrpc/rpcError.js';
import type { ServerRequestMethod } from '../protocol/index.js';
import { threadIdOf } from './events.js';
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
  params: unknown;
  signal: AbortSignal;
}

const APPROVAL_KIND: Partial<Record<ServerRequestMethod, ApprovalKind>> = {
  'item/commandExecution/requestApproval': 'command',
  'item/fileChange/requestApproval': 'fileChange',
  'item/permissions/requestApproval': 'permissions',
};

/**
 * Builds the supervisor's responder: approvals go to `decide`; every other kind (user input, elicitation, dynamic tool calls, token refresh, attestation,
 * legacy approvals) gets an explicit JSON-RPC error so codex never waits on silence.
 */
export function createServerRequestResponder(decide: (question: ApprovalQuestion) => Promise<ApprovalDecision>): ServerRequestResponder {
  return async ({ generation, id, method, params, signal }) => {
    const kind = APPROVAL_KIND[method];
    if (kind) {
      const laneId = threadIdOf({ params }) ?? '';
      const p = (params ?? {}) as { itemId?: unknown; command?: unknown; reason?: unknown };
      const decision = await decide({
        generation,
        requestId: id,
        laneId,
        kind,
        method,
        ...(typeof p.itemId === 'string' ? { itemId: p.itemId } : {}),
        ...(typeof p.command === 'string' ? { command: p.command } : {}),
        ...(typeof p.reason === 'string' ? { reason: p.reason } : {}),
        params,
        signal,
      });
      if (kind === 'permissions') {
        // Permission requests take a grant, not a decision: decline = grant nothing.
        return decision === 'accept' || decision === 'acceptForSession'
          ? { permissions: (params as { permissions?: unknown }).permissions ?? {}, scope: decision === 'acceptForSession' ? 'session' : 'turn' }
          : { permissions: {}, scope: 'turn' };
      }
      return { decision };
    }
    throw new RpcError(method, { code: RPC_CODES.methodNotFound, message: `dispatch does not answer ${method} requests` });
  };
}
