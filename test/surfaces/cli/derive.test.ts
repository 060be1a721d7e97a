import { describe, expect, it } from 'vitest';
import { buildManifest } from '../../../src/contracts/manifest.js';
import { opForCommand } from '../../../src/surfaces/cli/derive.js';

// `dispatch schema` must name the op the command really runs, whichever spelling reached it.
describe('opForCommand', () => {
  it('follows a flag that turns a command into another op, on every spelling of the command', async () => {
    const manifest = await buildManifest();
    const opOf = (text: string): string | undefined => opForCommand(manifest, text)?.name;
    expect(opOf('lane list')).toBe('lane.list');
    expect(opOf('lane list --unmanaged')).toBe('lane.discover');
    expect(opOf('lane.list --unmanaged')).toBe('lane.discover');
    expect(opOf('roster --unmanaged')).toBe('lane.discover');
    expect(opOf('lane tail')).toBe('lane.tail');
    expect(opOf('lane tail --follow')).toBe('lane.tail');
    expect(opOf('transcript --follow')).toBe('lane.tail');
    // --follow streams from where lane tail reads: still op lane.tail. The flag only switches the command that declares it.
    expect(opOf('lane get --follow')).toBe('lane.get');
  });
});
