// How handlers show what other stations publish: their lanes and those lanes' pending requests.
import { requestReason, type AttentionAction, type AttentionItem } from '../../attention.js';
import type { FleetLane } from '../../fleet.js';
import { clip } from '../../lanes.js';
import { remoteSelectorOf } from '../../remoteLanes.js';

export function fleetLaneViewOf(lane: FleetLane & { reachable: boolean }) {
  return {
    id: lane.laneId,
    handle: remoteSelectorOf(lane),
    station: lane.station,
    status: lane.status,
    attention: lane.attention,
    reachable: lane.reachable,
    cwd: lane.cwd,
    active_turn_id: lane.activeTurnId,
    updated_at: lane.updatedAt,
  };
}

export function remoteRequestViewsOf(lane: FleetLane) {
  return lane.pendingRequests.map((request) => ({
    id: request.id,
    station: lane.station,
    lane: remoteSelectorOf(lane),
    kind: request.kind,
    summary: request.summary,
    state: 'pending' as const,
    created_at: request.createdAt,
  }));
}

type RemoteAttentionItem = AttentionItem & { station: string; reachable: boolean };

const call = (op: string, input: Record<string, unknown>, fill: string[] = []): AttentionAction => ({ op, input, fill });

/**
 * What other stations' lanes ask of a person, as `attention --fleet` lists it beside this
 * station's: from the directory only (their requests' prompts stay on their stations, so a
 * question is answered with a free-form --answer).
 */
export function remoteAttentionItems(lanes: ReadonlyArray<FleetLane & { reachable: boolean }>): RemoteAttentionItem[] {
  return lanes.flatMap((lane): RemoteAttentionItem[] => {
    const name = remoteSelectorOf(lane);
    const base = { lane: lane.laneId, handle: name, station: lane.station, reachable: lane.reachable, since: lane.updatedAt };
    const send = call('send', { lane: name, text: '<message>' }, ['text']);
    const tail = call('lane.tail', { lane: name });
    switch (lane.attention) {
      case 'needs-you': {
        if (lane.pendingRequests.length === 0) return [{ ...base, attention: 'needs-you' as const, reason: 'waiting' as const, request: null, summary: 'waiting for an approval or an answer', actions: [call('request.list', { lane: name })] }];
        return lane.pendingRequests.map((request) => {
          const reason = requestReason(request.kind);
          const respond = (input: Record<string, unknown>, fill: string[] = []) => call('request.respond', { id: request.id, station: lane.station, ...input }, fill);
          const answer = reason === 'approval' ? respond({ decision: 'accept' }) : respond({ answer: ['<answer>'] }, ['answer']);
          return { ...base, attention: 'needs-you' as const, reason, request: request.id, summary: request.summary, since: request.createdAt, actions: [answer, respond({ decision: 'decline' })] };
        });
      }
      case 'failed':
        return [{ ...base, attention: 'failed' as const, reason: 'error' as const, request: null, summary: clip(lane.lastAgentMessage ?? `its last turn failed on ${lane.station}`, 200), actions: [tail, send] }];
      case 'done-unread':
        return [{ ...base, attention: 'done-unread' as const, reason: 'done' as const, request: null, summary: clip(lane.lastAgentMessage ?? '(no reply)', 200), actions: [tail, send] }];
      default:
        return [];
    }
  });
}
