import { describe, expect, it } from 'vitest';
import type { z } from 'zod';
import { fieldInfo } from '../../src/contracts/fields.js';
import { opList, type OpContract } from '../../src/contracts/index.js';
import { type OpContext } from '../../src/core/context.js';
import { executeOp } from '../../src/daemon/executor.js';
import { DispatchError, type ErrorCode } from '../../src/shared/errors.js';
import { contextWithAlpha } from './opContext.js';

/**
 * A registry with one lane per failure path. Only @alpha has a thread in the fake app-server, so
 * every other lane also drives the app-server's own refusal (`thread not found`).
 */
async function failureContext(): Promise<OpContext> {
  const ctx = await contextWithAlpha();
  const { store } = ctx;
  const cwd = ctx.callerCwd;
  const settings = { sandbox: 'workspace-write', approvalPolicy: 'never' } as const;
  const lane = (id: string, handle: string, source: 'own' | 'attached', status: 'idle' | 'busy' | 'waiting_approval' | 'archived') => {
    store.lanes.insert({ id, handle, source, cwd, status, settings, ephemeral: false });
    if (status === 'busy' || status === 'waiting_approval') store.lanes.update(id, { activeTurnId: `turn-${id}` });
  };
  lane('busy-0001', '@busy', 'own', 'busy');
  lane('wait-0001', '@waiting', 'own', 'waiting_approval');
  lane('attd-0001', '@attached', 'attached', 'idle');
  lane('attb-0001', '@attached-busy', 'attached', 'busy');
  lane('arch-0001', '@archived', 'own', 'archived');
  lane('gone-0001', '@gone', 'own', 'idle');
  lane('dupl-0001', '@[one] dup', 'own', 'idle');
  lane('dupl-0002', '@[two] dup', 'own', 'idle');
  return ctx;
}

/** Selectors for each lane failure path: unknown, ambiguous (a bare name and an id prefix), busy, waiting, attached, archived, thread gone. */
const LANE_SELECTORS = ['@nope', 'dup', 'dupl', '@busy', '@waiting', '@attached', '@attached-busy', '@archived', '@gone'];
const LANE_FIELDS = ['lane', 'worker', 'target'];
/** Bad input is refused by the executor's strict parse for every op; it need not be declared. */
const EVERY_OP_RAISES: readonly ErrorCode[] = ['validation'];

/** Inputs that walk an op's failure paths: its examples, each lane field pointed at each failure lane, names already taken, unknown ids. */
function failureInputs(op: OpContract): Array<{ label: string; input: Record<string, unknown> }> {
  const inputs: Array<{ label: string; input: Record<string, unknown> }> = [];
  for (const example of op.examples) {
    const base = example.input;
    inputs.push({ label: `example '${example.name}'`, input: base });
    const shape = op.input.shape;
    for (const field of LANE_FIELDS) {
      if (!(field in shape)) continue;
      // A field that takes several lanes (`events --lane`) gets each failure lane as a list of one.
      const several = fieldInfo(field, shape[field] as z.ZodType).kind === 'array';
      for (const selector of LANE_SELECTORS) inputs.push({ label: `${field}=${selector}`, input: { ...base, [field]: several ? [selector] : selector } });
    }
    if ('name' in shape) inputs.push({ label: 'name taken', input: { ...base, name: 'alpha', ...('prefix' in shape ? { prefix: '' } : {}) } });
    for (const field of ['id', 'receipt', 'request', 'trigger']) {
      if (field in shape) inputs.push({ label: `${field} unknown`, input: { ...base, [field]: typeof base[field] === 'number' ? 987654 : 'no-such-id-0000' } });
    }
  }
  return inputs;
}

describe('declared errors', () => {
  for (const op of opList) {
    it(`${op.name} raises only the codes it declares on its failure paths`, async () => {
      const allowed = new Set<ErrorCode>([...op.errors, ...EVERY_OP_RAISES]);
      const undeclared: string[] = [];
      for (const { label, input } of failureInputs(op)) {
        const ctx = await failureContext();
        try {
          await executeOp(op.name, input, ctx).catch((error: unknown) => {
            const code = error instanceof DispatchError ? error.code : `non-DispatchError ${String(error)}`;
            if (!allowed.has(code as ErrorCode)) undeclared.push(`${label}: ${code} (${error instanceof Error ? error.message : ''})`);
          });
        } finally {
          ctx.store.close();
        }
      }
      expect(undeclared, `${op.name} declares [${op.errors.join(', ')}]`).toEqual([]);
    });
  }

  it('every example error is declared by its op', () => {
    for (const op of opList) {
      for (const example of op.examples) if (example.error) expect([...op.errors, ...EVERY_OP_RAISES], `${op.name}: ${example.name}`).toContain(example.error);
    }
  });
});
