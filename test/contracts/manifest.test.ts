import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { opList } from '../../src/contracts/index.js';
import { buildManifest } from '../../src/contracts/manifest.js';

// The CLI starts from the manifest the build writes, not from the zod contracts: they must agree.
describe('op manifest', () => {
  it('the built manifest matches the contracts', async () => {
    const built = JSON.parse(readFileSync(fileURLToPath(new URL('../../dist/contracts/manifest.json', import.meta.url)), 'utf8')) as unknown;
    expect(built).toEqual(await buildManifest());
  });

  it('lists every op with its fields and a distinct input hash per schema', async () => {
    const manifest = await buildManifest();
    expect(manifest.ops.map((o) => o.name)).toEqual(opList.map((o) => o.name));
    const send = manifest.ops.find((o) => o.name === 'send');
    expect(send?.fields.map((f) => [f.name, f.kind, f.required])).toEqual([
      ['lane', 'string', true],
      ['text', 'string', true],
      ['mode', 'enum', false],
      ['idempotency_key', 'string', false],
    ]);
    expect(send?.inputHash).toMatch(/^[0-9a-f]{16}$/);
  });
});
