import Database from 'better-sqlite3';
import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { opList } from '../../src/contracts/index.js';
import { executeOp } from '../../src/daemon/executor.js';
import { DispatchError } from '../../src/shared/errors.js';
import { FakeAppServer } from '../helpers/fakeAppServer.js';
import { contextWithAlpha } from './opContext.js';


// Every op's declared examples run through the real executor (strict input, handler, output check).
describe('op examples', () => {
  for (const op of opList) {
    for (const example of op.examples) {
      it(`${op.name}: ${example.name}`, async () => {
        const ctx = await contextWithAlpha();
        const run = executeOp(op.name, example.input, ctx);
        if (example.error) {
          const error = await run.then(
            () => undefined,
            (e: unknown) => e,
          );
          expect(error, `expected ${example.error}`).toBeInstanceOf(DispatchError);
          expect((error as DispatchError).code).toBe(example.error);
        } else {
          expect(await run).toMatchObject(example.output ?? {});
        }
      });
    }
  }

  it('every op rejects an unknown input field', async () => {
    const ctx = await contextWithAlpha();
    for (const op of opList) {
      const input = { ...(op.examples[0]?.input ?? {}), not_a_field: true };
      await expect(executeOp(op.name, input, ctx), op.name).rejects.toMatchObject({ code: 'validation' });
    }
  });

  it('every op declares a summary and a route or a documented MCP-only reason', () => {
    for (const op of opList) expect(op.summary.length, op.name).toBeGreaterThan(10);
    expect(opList.filter((op) => op.cli === null).map((op) => op.name)).toEqual(['lane.open']);
  });

  // MCP tells clients a read op is safe to call on their own (readOnlyHint): it must change nothing.
  it('every read op, on each of its examples, leaves the registry and the app-server as they were', async () => {
    const registry = path.join(mkdtempSync(path.join(os.tmpdir(), 'dispatch-read-')), 'registry.db');
    const appServer = new FakeAppServer();
    const ctx = await contextWithAlpha(registry, appServer);
    const reader = new Database(registry, { readonly: true });
    const tables = (reader.prepare("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name").all() as Array<{ name: string }>).map((t) => t.name);
    const snapshot = (): Record<string, unknown[]> => Object.fromEntries(tables.map((t) => [t, reader.prepare(`SELECT * FROM "${t}" ORDER BY rowid`).all()]));
    const reads = opList.filter((op) => op.intent === 'read');
    expect(reads.length).toBeGreaterThan(5);
    try {
      for (const op of reads) {
        for (const example of op.examples) {
          const before = snapshot();
          const appServerCalls = appServer.calls.length;
          await executeOp(op.name, example.input, ctx).catch(() => undefined);
          expect(snapshot(), `${op.name}: ${example.name} changed the registry`).toEqual(before);
          expect(appServer.calls.slice(appServerCalls).map((c) => c.method), `${op.name}: ${example.name} asked the app-server to change something`).toEqual([]);
        }
      }
    } finally {
      reader.close();
      ctx.store.close();
    }
  });
});
