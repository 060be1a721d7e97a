import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { canonicalOpName, findOp, opAliases, opList, ops } from '../../src/contracts/index.js';

const src = (relative: string): string => fileURLToPath(new URL(`../../src/${relative}`, import.meta.url));
/** `trigger.add` lives at `trigger/add`. */
const pathOf = (name: string): string => name.split('.').join('/');

function tsFilesUnder(dir: string, prefix = ''): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) =>
    entry.isDirectory() ? tsFilesUnder(`${dir}/${entry.name}`, `${prefix}${entry.name}/`) : entry.name.endsWith('.ts') ? [`${prefix}${entry.name.slice(0, -3)}`] : [],
  );
}

// One name per op: the command words, the contract's path and its handler's path are the same name.
describe('op names', () => {
  it('are the command words joined by a dot', () => {
    for (const op of opList) if (op.cli) expect(op.name, op.cli.command.join(' ')).toBe(op.cli.command.join('.'));
  });

  it('are the path of the contract file and of the one handler file that implements the op', () => {
    for (const op of opList) {
      const contract = src(`contracts/ops/${pathOf(op.name)}.ts`);
      expect(existsSync(contract), contract).toBe(true);
      expect(readFileSync(contract, 'utf8'), contract).toContain(`name: '${op.name}',`);
      const handler = src(`core/handlers/${pathOf(op.name)}.ts`);
      expect(existsSync(handler), handler).toBe(true);
      expect(readFileSync(handler, 'utf8'), handler).toContain(`Handler<'${op.name}'>`);
    }
  });

  it('leave no contract file that is not an op', () => {
    expect(tsFilesUnder(src('contracts/ops')).sort()).toEqual(opList.map((op) => pathOf(op.name)).sort());
  });

  it('keep every old name as an alias of an existing op, never shadowing an op name', () => {
    for (const [alias, name] of Object.entries(opAliases)) {
      expect(Object.hasOwn(ops, alias), alias).toBe(false);
      expect(Object.hasOwn(ops, name), `${alias} → ${name}`).toBe(true);
      expect(findOp(alias)?.name).toBe(name);
    }
    expect(canonicalOpName('show')).toBe('lane.get');
    expect(canonicalOpName('lane.get')).toBe('lane.get');
    expect(canonicalOpName('toString')).toBeUndefined();
    expect(findOp('no-such-op')).toBeUndefined();
  });
});
