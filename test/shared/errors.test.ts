import { readFileSync } from 'node:fs';
import vm from 'node:vm';
import { describe, expect, it } from 'vitest';
import type * as errors from '../../src/shared/errors.js';
import { DispatchError, toDispatchError } from '../../src/shared/errors.js';
import { SimScriptError } from '../../src/simulator/script.js';

// The CLI's hot path and its lazy parts are separate bundles (scripts/bundleCli.ts), each with its
// own copy of errors.ts: an error made by one copy must be a DispatchError to the other.
describe('DispatchError across copies of its module', () => {
  it('an error of another copy of the class is a DispatchError and keeps its code', async () => {
    // The build's copy (dist/) is a module apart from the source this test imports.
    const builtCopy = new URL('../../dist/shared/errors.js', import.meta.url).href;
    const other = (await import(builtCopy)) as typeof errors;
    expect(other.DispatchError).not.toBe(DispatchError);
    const foreign = new other.DispatchError('not_found', 'no such lane');
    expect(foreign).toBeInstanceOf(DispatchError);
    expect(toDispatchError(foreign)).toBe(foreign);
    expect(toDispatchError(foreign).exitCode).toBe(4);
  });

  it('an Error, a plain object and values of another realm are not', () => {
    expect(new Error('x')).not.toBeInstanceOf(DispatchError);
    expect({ code: 'not_found', message: 'x', name: 'DispatchError' }).not.toBeInstanceOf(DispatchError);
    expect(null).not.toBeInstanceOf(DispatchError);
    expect(vm.runInNewContext('new Error("x")')).not.toBeInstanceOf(DispatchError);
    expect(toDispatchError(new Error('boom')).code).toBe('internal');
  });

  it('a subclass keeps the ordinary check', () => {
    const sim = new SimScriptError('bad', 1, '@sim nope');
    expect(sim).toBeInstanceOf(DispatchError);
    expect(sim).toBeInstanceOf(SimScriptError);
    expect(new DispatchError('validation', 'plain')).not.toBeInstanceOf(SimScriptError);
  });

  it('the CLI bundle and its lazy parts each hold a copy (why the mark exists)', () => {
    const copies = ['main.cjs', 'lazy-server.cjs'].map((file) => readFileSync(new URL(`../../dist/cli/${file}`, import.meta.url), 'utf8'));
    for (const source of copies) expect(source).toContain("Symbol.for(\"dispatch.DispatchError\")");
  });
});
