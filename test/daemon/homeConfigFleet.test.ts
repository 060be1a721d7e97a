import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { homeConfigPath, loadHomeConfig } from '../../src/daemon/homeConfig.js';

const homes: string[] = [];
afterEach(async () => {
  for (const home of homes.splice(0)) await rm(home, { recursive: true, force: true });
});

async function homeWith(config: string): Promise<string> {
  const home = await mkdtemp(path.join(os.tmpdir(), 'dsp-'));
  homes.push(home);
  await writeFile(homeConfigPath(home), config);
  return home;
}

function errorOf(fn: () => unknown): { code: string; message: string } {
  try {
    fn();
  } catch (error) {
    return { code: (error as { code: string }).code, message: (error as Error).message };
  }
  throw new Error('no error thrown');
}

describe('[fleet] in config.toml', () => {
  const url = 'postgres://dispatch:hunter2@db.example:5432/fleet';

  it('is off without it, and reads url + station when both are set', async () => {
    expect(loadHomeConfig(await homeWith('')).fleet).toBeUndefined();
    expect(loadHomeConfig(await homeWith(`[fleet]\nurl = "${url}"\nstation = "build-1"\n`)).fleet).toEqual({ url, station: 'build-1' });
  });

  it('takes DISPATCH_FLEET_URL and DISPATCH_STATION over the file', async () => {
    const home = await homeWith(`[fleet]\nurl = "${url}"\nstation = "build-1"\n`);
    expect(loadHomeConfig(home, { DISPATCH_STATION: 'laptop' }).fleet).toEqual({ url, station: 'laptop' });
    expect(loadHomeConfig(await homeWith(''), { DISPATCH_FLEET_URL: 'postgresql://x@h/db', DISPATCH_STATION: 's1' }).fleet).toEqual({ url: 'postgresql://x@h/db', station: 's1' });
  });

  it('refuses a url without a station, a station without a url, a bad name or a non-postgres url — never echoing the password', async () => {
    const file = (home: string) => homeConfigPath(home);
    const noStation = await homeWith(`[fleet]\nurl = "${url}"\n`);
    expect(() => loadHomeConfig(noStation)).toThrow(expect.objectContaining({ code: 'validation', message: `${file(noStation)}: fleet.station: a fleet database url is set but no station name (set [fleet] station or DISPATCH_STATION)` }));
    const noUrl = await homeWith('');
    const missingUrl = errorOf(() => loadHomeConfig(noUrl, { DISPATCH_STATION: 'a' }));
    expect(missingUrl.code).toBe('validation');
    expect(missingUrl.message).toContain('fleet.url: a station name is set (a) but no fleet database url');
    const badName = errorOf(() => loadHomeConfig(noUrl, { DISPATCH_STATION: 'no spaces', DISPATCH_FLEET_URL: url }));
    expect(badName.code).toBe('validation');
    expect(badName.message).toContain('"no spaces" is not a station name');
    const badScheme = errorOf(() => loadHomeConfig(noUrl, { DISPATCH_STATION: 'a', DISPATCH_FLEET_URL: 'mysql://root:hunter2@h/db' }));
    expect(badScheme.message).toContain('must be a postgres:// or postgresql:// url (got mysql://root:***@h/db)');
    expect(badScheme.message).not.toContain('hunter2');
    const unknownKey = await homeWith('[fleet]\nurl = "x"\nstation = "s"\nport = 1\n');
    expect(errorOf(() => loadHomeConfig(unknownKey)).message).toContain('fleet.port');
  });
});
