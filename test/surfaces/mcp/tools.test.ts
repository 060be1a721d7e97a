import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { defineOp, opList, ops, type OpContract, type OpGroup } from '../../../src/contracts/index.js';
import { DispatchError } from '../../../src/shared/errors.js';
import { actionAliases, deriveTools, registryToolList, routeToolCall, type DerivedTool } from '../../../src/surfaces/mcp/tools.js';
import { createAjv2020, describeErrors } from './ajv.js';

const tools = deriveTools();

function toolFor(name: string): DerivedTool {
  const tool = tools.find((t) => t.tool.name === name);
  if (!tool) throw new Error(`no tool ${name}`);
  return tool;
}

function routeError(fn: () => unknown): DispatchError {
  try {
    fn();
  } catch (error) {
    if (error instanceof DispatchError) return error;
    throw error;
  }
  throw new Error('expected a DispatchError');
}

describe('deriveTools', () => {
  it('makes one tool per (group, intent) pair that has ops, named dispatch_<group>_<intent>', () => {
    const pairs = new Set(opList.map((op) => `dispatch_${op.group}_${op.intent}`));
    expect(new Set(tools.map((t) => t.tool.name))).toEqual(pairs);
    expect(tools).toHaveLength(pairs.size);
    for (const t of tools) {
      expect(t.tool.name).toBe(`dispatch_${t.group}_${t.intent}`);
      for (const { op } of t.actions) expect([op.group, op.intent]).toEqual([t.group, t.intent]);
    }
    // The families this release ships; a regrouped op shows up here as well as in the parity test.
    expect(tools.map((t) => t.tool.name)).toEqual([
      'dispatch_lane_read',
      'dispatch_lane_write',
      'dispatch_lane_destroy',
      'dispatch_trigger_read',
      'dispatch_trigger_write',
      'dispatch_trigger_destroy',
      'dispatch_delivery_read',
      'dispatch_delivery_write',
      'dispatch_delivery_destroy',
      'dispatch_request_read',
      'dispatch_request_write',
      'dispatch_inbox_read',
      'dispatch_inbox_write',
      'dispatch_daemon_read',
      'dispatch_daemon_write',
    ]);
  });

  it('routes every registry op through exactly one tool and action (parity)', () => {
    for (const op of opList) {
      const homes = tools.flatMap((t) => t.actions.filter((a) => a.op === op).map((a) => ({ tool: t.tool.name, action: a.action })));
      expect(homes, `op ${op.name} is routed exactly once`).toHaveLength(1);
      expect(homes[0]?.action).toBe(op.name.replace(/-/g, '_'));
      const routed = routeToolCall(homes[0]?.tool ?? '', { op: homes[0]?.action });
      expect(routed.op).toBe(op.name);
    }
    expect(tools.reduce((n, t) => n + t.actions.length, 0)).toBe(opList.length);
  });

  it('lists the same actions in the op enum, the oneOf branches and the description', () => {
    for (const { tool, actions } of tools) {
      const names = actions.map((a) => a.action);
      const schema = tool.inputSchema as unknown as { properties: { op: { enum: string[] } }; required: string[]; oneOf: Array<{ properties: { op: { const: string } } }> };
      expect(schema.properties.op.enum).toEqual(names);
      expect(schema.required).toEqual(['op']);
      expect(schema.oneOf.map((b) => b.properties.op.const)).toEqual(names);
      for (const { action, op } of actions) expect(tool.description).toContain(`${action}: ${op.summary}`);
    }
  });

  it("names each action's declared error codes in the tool description", () => {
    for (const { tool, actions } of tools) {
      const lines = tool.description?.split('\n') ?? [];
      for (const { action, op } of actions) {
        const line = lines.find((l) => l.startsWith(`- ${action}: `)) ?? '';
        if (op.errors.length > 0) expect(line, action).toContain(`Errors: ${op.errors.join(', ')}.`);
        else expect(line, action).not.toContain('Errors:');
      }
    }
    const write = tools.find((t) => t.tool.name === 'dispatch_lane_write');
    expect(write?.tool.description).toMatch(/- send: .*Errors: .*lane_busy/);
  });

  it('sets annotations from the intents and idempotency of the ops', () => {
    for (const { tool, intent, actions } of tools) {
      expect(tool.annotations).toMatchObject({
        readOnlyHint: intent === 'read',
        destructiveHint: intent === 'destroy',
        idempotentHint: actions.every((a) => a.op.idempotent),
        openWorldHint: false,
      });
    }
    expect(toolFor('dispatch_lane_write').tool.annotations?.idempotentHint).toBe(false);
    expect(toolFor('dispatch_lane_read').tool.annotations?.idempotentHint).toBe(true);
  });

  it('throws at derivation when an op would not be routed', () => {
    const stray = { ...ops['goal.status'], name: 'mystery', group: 'nowhere' as OpGroup } as OpContract;
    expect(() => deriveTools([...opList, stray])).toThrow(/not routed by any tool: mystery \(nowhere\/read\)/);
  });

  it('throws at derivation on clashing action names or a field named op', () => {
    const twin = { ...ops['goal.status'], name: 'goal_get' } as OpContract;
    expect(() => deriveTools([...opList, twin])).toThrow(/both answer to action goal_get/);
    const shadow = defineOp({
      name: 'shadow',
      summary: 'Has a field named op.',
      group: 'lane',
      intent: 'read',
      idempotent: true,
      input: z.strictObject({ op: z.string() }),
      output: z.object({}),
      errors: [],
      examples: [{ name: 'x', input: { op: 'x' } }],
      cli: null,
    });
    expect(() => deriveTools([shadow])).toThrow(/field named 'op'/);
  });

  it('merges fields shared by several actions without narrowing what any of them accepts', () => {
    const write = toolFor('dispatch_lane_write').tool.inputSchema as { properties: Record<string, { description?: string; anyOf?: unknown[] }> };
    expect(write.properties['name']?.description).toMatch(/lane\.open: .*\| new: /);
    const read = toolFor('dispatch_lane_read').tool.inputSchema as { properties: Record<string, { anyOf?: Array<{ maximum?: number }> }> };
    const limit = read.properties['limit'];
    expect([...new Set(limit?.anyOf?.map((v) => v.maximum))].sort((a, b) => (a ?? 0) - (b ?? 0))).toEqual([1000, 5000, 10000]);
  });
});

describe('tool JSON Schemas (ajv 2020-12, strict)', () => {
  const ajv = createAjv2020();

  it('accept every op example input plus its op key, and reject unknown or misplaced fields', () => {
    for (const { tool, actions } of tools) {
      const validate = ajv.compile(tool.inputSchema);
      for (const { action, op } of actions) {
        for (const example of op.examples) {
          const args = { op: action, ...example.input };
          expect(validate(args), `${tool.name} ${action} example '${example.name}': ${describeErrors(validate)}`).toBe(true);
          expect(validate({ ...args, surprise: 1 }), `${tool.name} ${action} rejects an unknown field`).toBe(false);
        }
        // Required fields stay required behind the discriminator: the bare action is valid exactly when zod accepts {}.
        expect(validate({ op: action }), `${tool.name} ${action} with no fields`).toBe(op.input.safeParse({}).success);
      }
      expect(validate({}), `${tool.name} without op`).toBe(false);
      expect(validate({ op: 'no_such_action' })).toBe(false);
      const foreign = tools.find((t) => t !== toolFor(tool.name))?.actions[0]?.action ?? '';
      expect(validate({ op: foreign }), `${tool.name} refuses another tool's action ${foreign}`).toBe(false);
    }
  });

  it('match zod on inputs: wrong types are refused by both', () => {
    const validate = ajv.compile(toolFor('dispatch_lane_write').tool.inputSchema);
    const bad = { lane: '@a', text: 'hi', mode: 'shout' };
    expect(ops.send.input.safeParse(bad).success).toBe(false);
    expect(validate({ op: 'send', ...bad })).toBe(false);
    expect(validate({ op: 'send', lane: '@a', text: 'hi', mode: 'steer' })).toBe(true);
  });

  it('declare an object outputSchema with one anyOf entry per action that compiles', () => {
    for (const { tool, actions } of tools) {
      const output = tool.outputSchema as { type: string; anyOf: Array<{ title: string }> };
      expect(output.type).toBe('object');
      expect(output.anyOf.map((o) => o.title)).toEqual(actions.map((a) => a.action));
      expect(() => ajv.compile(output)).not.toThrow();
    }
    const status = ajv.compile(toolFor('dispatch_daemon_read').tool.outputSchema ?? {});
    expect(status({ lines: 'not an object shape of either op', extra: true })).toBe(false);
  });

  it('keeps local $refs resolvable when op schemas use $defs or recurse', () => {
    interface Tree {
      label: string;
      kids?: Tree[];
    }
    const tree: z.ZodType<Tree> = z.strictObject({ label: z.string(), get kids() {
      return z.array(tree).optional();
    } });
    const part = z.object({ id: z.string() }).meta({ id: 'Part' });
    const recursive = defineOp({
      name: 'tree.probe',
      summary: 'Probe recursion.',
      group: 'lane',
      intent: 'read',
      idempotent: true,
      input: z.strictObject({ root: tree, parts: z.array(part).optional() }),
      output: z.object({ first: part, second: part.optional() }),
      errors: [],
      examples: [{ name: 'nested', input: { root: { label: 'a', kids: [{ label: 'b' }] } } }],
      cli: null,
    });
    const [tool] = deriveTools([recursive]);
    const input = tool?.tool.inputSchema ?? {};
    expect(JSON.stringify(input)).toContain('$ref');
    const validate = ajv.compile(input);
    expect(validate({ op: 'tree.probe', root: { label: 'a', kids: [{ label: 'b', kids: [] }] }, parts: [{ id: 'p' }] }), describeErrors(validate)).toBe(true);
    expect(validate({ op: 'tree.probe', root: { label: 'a', kids: [{ label: 7 }] } })).toBe(false);
    expect(validate({ op: 'tree.probe', root: { label: 'a', kids: [{ label: 'b', extra: 1 }] } })).toBe(false);
    const validateOut = ajv.compile(tool?.tool.outputSchema ?? {});
    expect(validateOut({ first: { id: 'x' } })).toBe(true);
    expect(validateOut({ first: { id: 1 } })).toBe(false);
  });
});

describe('routeToolCall', () => {
  it('returns the op name and the arguments without op', () => {
    expect(routeToolCall('dispatch_lane_read', { op: 'goal.status', lane: '@a' })).toEqual({ op: 'goal.status', input: { lane: '@a' } });
    expect(routeToolCall('dispatch_daemon_read', { op: 'daemon.status' })).toEqual({ op: 'daemon.status', input: {} });
    expect(registryToolList()).toBe(registryToolList());
  });

  it('refuses a missing, non-string or unknown op with a validation error naming the actions', () => {
    for (const args of [undefined, {}, { op: 3 }, { op: '' }]) {
      const error = routeError(() => routeToolCall('dispatch_daemon_read', args));
      expect(error.code).toBe('validation');
      expect(error.message).toMatch(/missing string 'op'/);
      expect(error.data?.['actions']).toEqual(['daemon.status', 'daemon.log', 'usage', 'fleet.status']);
    }
    const unknown = routeError(() => routeToolCall('dispatch_daemon_read', { op: 'explode' }));
    expect(unknown.code).toBe('validation');
    expect(unknown.message).toMatch(/unknown dispatch MCP action dispatch_daemon_read\/explode; expected one of daemon\.status, daemon\.log, usage/);
    expect(routeError(() => routeToolCall('dispatch_daemon_read', ['op'])).code).toBe('validation');
  });

  it('points at the right tool when an op is sent to another one', () => {
    const error = routeError(() => routeToolCall('dispatch_lane_read', { op: 'trigger.add', name: 'x' }));
    expect(error.code).toBe('validation');
    expect(error.message).toContain("'trigger.add' belongs to dispatch_trigger_write");
    expect(error.data?.['tool_for_op']).toBe('dispatch_trigger_write');
  });

  it('routes the old op names, as they were and as earlier MCP actions spelled them, to the renamed op', () => {
    expect(routeToolCall('dispatch_lane_read', { op: 'goal_get', lane: '@a' })).toEqual({ op: 'goal.status', input: { lane: '@a' } });
    expect(routeToolCall('dispatch_lane_read', { op: 'goal-get', lane: '@a' })).toEqual({ op: 'goal.status', input: { lane: '@a' } });
    expect(routeToolCall('dispatch_lane_read', { op: 'show', lane: '@a' })).toEqual({ op: 'lane.get', input: { lane: '@a' } });
    expect(routeToolCall('dispatch_daemon_read', { op: 'status' })).toEqual({ op: 'daemon.status', input: {} });
    expect(actionAliases('trigger.pause')).toEqual(['trigger-pause', 'trigger_pause']);
    expect(actionAliases('send')).toEqual([]);
    // An old name still reaches only its own tool.
    expect(routeError(() => routeToolCall('dispatch_lane_read', { op: 'trigger_add', name: 'x' })).data?.['tool_for_op']).toBe('dispatch_trigger_write');
  });

  it('refuses unknown tools as not_found, listing the tools there are', () => {
    const error = routeError(() => routeToolCall('dispatch_nope', { op: 'daemon.status' }));
    expect(error.code).toBe('not_found');
    expect(error.data?.['tools']).toContain('dispatch_lane_read');
  });
});
