import type { z } from 'zod';
import { findOp, type OpName } from '../contracts/index.js';
import type { OpContext } from '../core/context.js';
import { handlers } from '../core/handlers/index.js';
import { DispatchError } from '../shared/errors.js';

/** Renders zod issues as `field: problem; …` for people and agents alike. */
export function describeIssues(issues: readonly z.core.$ZodIssue[]): string {
  return issues
    .map((issue) => {
      const where = issue.path.length > 0 ? issue.path.join('.') : 'input';
      return `${where}: ${issue.message}`;
    })
    .join('; ');
}

/** Validates the input strictly, runs the op's handler, and checks its output against the contract. */
export async function executeOp(name: string, rawInput: unknown, ctx: OpContext): Promise<unknown> {
  const op = findOp(name);
  if (!op) throw new DispatchError('not_found', `unknown op '${name}'`);
  const parsed = op.input.safeParse(rawInput ?? {});
  if (!parsed.success) {
    throw new DispatchError('validation', `invalid input for '${name}': ${describeIssues(parsed.error.issues)}`, {
      data: { issues: parsed.error.issues.map((i) => ({ path: i.path.map(String), message: i.message })) },
    });
  }
  // By the op's own name: `name` may be an old alias of it.
  const handler = handlers[op.name as OpName] as (input: unknown, context: OpContext) => Promise<unknown>;
  const output = await handler(parsed.data, ctx);
  const checked = op.output.safeParse(output);
  if (!checked.success) throw new DispatchError('internal', `op '${name}' produced output outside its contract: ${describeIssues(checked.error.issues)}`);
  return checked.data;
}
