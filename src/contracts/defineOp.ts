import { createHash } from 'node:crypto';
import { z } from 'zod';
import type { ErrorCode } from '../shared/errors.js';

/** What an op does to stored or remote state; it sets the MCP hints and whether the CLI confirms. */
export type Intent = 'read' | 'write' | 'destroy';

/** The MCP tool family an op belongs to; the tool name is `dispatch_<group>_<intent>`. */
export type OpGroup = 'lane' | 'trigger' | 'daemon' | 'delivery' | 'request' | 'inbox';

export interface OpExample<TInput, TOutput> {
  name: string;
  input: TInput;
  /** A subset of the expected output (checked as a partial match), or the error code it raises. */
  output?: Partial<TOutput>;
  error?: ErrorCode;
}

export interface CliRoute {
  /** Command words, e.g. ['lane', 'get']. */
  command: string[];
  /** Input fields taken as positional arguments, in order (a trailing `?` marks one optional, a trailing `...` an array taking the rest). */
  positionals?: string[];
  /** Extra spellings that reach the same op, e.g. ['lane', 'status']. */
  aliases?: string[][];
}

export interface OpContract<TInput extends z.ZodObject = z.ZodObject, TOutput extends z.ZodType = z.ZodType> {
  name: string;
  /** One line; it is the help text on the CLI and the action description in MCP. */
  summary: string;
  group: OpGroup;
  intent: Intent;
  /** Repeating the call with the same input leaves the same state. */
  idempotent: boolean;
  input: TInput;
  output: TOutput;
  /** Codes this op raises on purpose, beyond validation/internal/daemon failures every op can raise. */
  errors: readonly ErrorCode[];
  examples: ReadonlyArray<OpExample<z.input<TInput>, z.output<TOutput>>>;
  /** The CLI route; `null` keeps an op MCP-only (documented per op). */
  cli: CliRoute | null;
}

export type OpInput<T extends OpContract> = z.output<T['input']>;
export type OpOutput<T extends OpContract> = z.output<T['output']>;

/** Declares an op contract; inputs are strict objects, so unknown fields are rejected. */
export function defineOp<TInput extends z.ZodObject, TOutput extends z.ZodType>(contract: OpContract<TInput, TOutput>): OpContract<TInput, TOutput> {
  if (contract.examples.length === 0) throw new Error(`op ${contract.name} needs at least one example`);
  return contract;
}

/** The input JSON Schema as callers write it (fields with defaults are optional). */
export function inputJsonSchema(op: OpContract): Record<string, unknown> {
  return z.toJSONSchema(op.input, { io: 'input', unrepresentable: 'any' });
}

export function outputJsonSchema(op: OpContract): Record<string, unknown> {
  return z.toJSONSchema(op.output, { io: 'output', unrepresentable: 'any' });
}

/**
 * A short hash of an op's input schema. Client and daemon compare them in the hello exchange and
 * on every call, so a daemon of another version never silently runs a request it reads differently.
 */
export function inputSchemaHash(op: OpContract): string {
  return createHash('sha256').update(JSON.stringify(inputJsonSchema(op))).digest('hex').slice(0, 16);
}
