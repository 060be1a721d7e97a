import { describe, expect, it } from 'vitest';
import type { FleetLane } from '../../../src/core/fleet.js';
import { findRemoteLane } from '../../../src/daemon/station/access.js';

const lane = (laneId: string, handle: string): FleetLane & { reachable: boolean } => ({
  station: 'b',
  laneId,
  handle,
  status: 'idle',
  attention: 'idle',
  cwd: '/w',
  activeTurnId: null,
  lastAgentMessage: null,
  pendingRequests: [],
  updatedAt: '2030-01-01T00:00:00.000Z',
  reachable: true,
});

describe('findRemoteLane (like core resolveLane, on the published lanes)', () => {
  const lanes = [lane('0199aaaa-1', '@worker'), lane('0199bbbb-2', '@[api] fix'), lane('0199bbbc-3', '@[web] fix'), lane('0199cccc-4', '@[api] solo')];
  const find = (selector: string) => findRemoteLane({ lane: selector, station: 'b' }, lanes);

  it('finds by handle, bare handle, bare name without the repo prefix, id and id prefix', () => {
    expect(find('@worker').laneId).toBe('0199aaaa-1');
    expect(find('worker').laneId).toBe('0199aaaa-1');
    expect(find('solo').laneId).toBe('0199cccc-4');
    expect(find('0199bbbc-3').handle).toBe('@[web] fix');
    expect(find('0199cc').handle).toBe('@[api] solo');
  });

  it('is ambiguous with the candidates when a name or prefix matches several, and not_found when none', () => {
    expect(() => find('fix')).toThrow(expect.objectContaining({ code: 'ambiguous', data: { candidates: [expect.objectContaining({ handle: '@[api] fix', station: 'b' }), expect.objectContaining({ handle: '@[web] fix' })] } }));
    expect(() => find('0199bb')).toThrow(expect.objectContaining({ code: 'ambiguous' }));
    expect(() => find('nobody')).toThrow(expect.objectContaining({ code: 'not_found', message: "no lane 'nobody' on station b" }));
    expect(() => find('019')).toThrow(expect.objectContaining({ code: 'not_found' }));
  });
});
