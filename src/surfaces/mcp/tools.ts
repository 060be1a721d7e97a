import type { Tool } from '@modelcontextprotocol/sdk/types.js';
import { inputJsonSchema, opAliases, opList, outputJsonSchema, type Intent, type OpContract, type OpGroup } from '../../contracts/index.js';
import { DispatchError } from '../../shared/errors.js';
import { isRecord } from '../../shared/records.js';

/**
 * The MCP tools of dispatch, derived from the op registry: one tool per (group, intent) pair, each
 * taking an `op` discriminator. Grouping keeps the tool list short for agents while the intent split
 * keeps MCP's read-only/destructive hints exact for every op a tool routes to.
 */

type JsonSchema = Record<string, unknown>;

/** The JSON Schema dialect zod emits; the MCP spec also defaults to it when `$schema` is absent. */
const DIALECT = 'https://json-schema.org/draft/2020-12/schema';

/**
 * What each tool family is for. A full table (not a partial one) so that adding a group to
 * `OpGroup` fails to compile here instead of shipping a tool with no summary.
 */
const GROUP_SUMMARIES: Record<OpGroup, Record<Intent, string>> = {
  lane: {
    read: 'Read lane and session state: the roster, lane details, transcripts, live events and goals.',
    write: 'Create or attach lanes, send messages to owned lanes and change their state.',
    destroy: 'Archive lanes, clear goals or roll back turns.',
  },
  trigger: {
    read: 'Read trigger state.',
    write: 'Create or modify triggers.',
    destroy: 'Remove triggers.',
  },
  delivery: {
    read: 'Read delivery state.',
    write: 'Create or modify deliveries.',
    destroy: 'Remove deliveries.',
  },
  request: {
    read: 'Read pending requests.',
    write: 'Answer or modify pending requests.',
    destroy: 'Remove pending requests.',
  },
  inbox: {
    read: 'Read the inbox.',
    write: 'Create or modify inbox items.',
    destroy: 'Remove inbox items.',
  },
  daemon: {
    read: 'Read daemon health and audit log state.',
    write: 'Change daemon state.',
    destroy: 'Remove daemon state.',
  },
};

const INTENTS: readonly Intent[] = ['read', 'write', 'destroy'];

/** One op as an action of a grouped tool. */
export interface ToolAction {
  /** The `op` value on the tool: the op name itself, e.g. `goal.status`. */
  action: string;
  /** Old spellings still accepted for `op`: the op's old names, as is and as earlier MCP actions wrote them (`goal_get`). */
  aliases: readonly string[];
  op: OpContract;
}

/** An MCP tool definition plus the routing facts the server needs. */
export interface DerivedTool {
  group: OpGroup;
  intent: Intent;
  actions: readonly ToolAction[];
  /** Exactly what tools/list returns for this tool. */
  tool: Tool;
}

/** The MCP tool name of a (group, intent) family. */
export function toolName(group: OpGroup, intent: Intent): string {
  return `dispatch_${group}_${intent}`;
}

/** The old `op` values of an op: each old name, and the spelling earlier MCP actions gave it ('-' as '_'). */
export function actionAliases(opName: string, aliases: Readonly<Record<string, string>> = opAliases): string[] {
  const old = Object.keys(aliases).filter((alias) => aliases[alias] === opName);
  return [...new Set(old.flatMap((alias) => [alias, alias.replace(/-/g, '_')]))];
}

/** The codes an op declares, so a client knows which failures to handle (the code is in the error result's `_meta`). */
function errorsNote(op: OpContract): string {
  return op.errors.length === 0 ? '' : ` Errors: ${op.errors.join(', ')}.`;
}

function derivationError(message: string): DispatchError {
  return new DispatchError('internal', `MCP tool derivation: ${message}`);
}

/** JSON Pointer escaping of one reference token (RFC 6901). */
const escapePointer = (token: string): string => token.replace(/~/g, '~0').replace(/\//g, '~1');
const unescapePointer = (token: string): string => token.replace(/~1/g, '/').replace(/~0/g, '~');

/**
 * Moves an op schema's local definitions into the shared `defs` of the tool schema it is embedded in,
 * under `<prefix>__<name>`, and rewrites its `$ref`s to match. Embedding an op schema in a `oneOf`/`anyOf`
 * branch changes what `#` means, so references are rewritten rather than copied; anything that is not a
 * local reference is refused loudly instead of being left dangling.
 */
function embed(schema: JsonSchema, prefix: string, defs: Record<string, JsonSchema>): JsonSchema {
  const ownDefs = { ...(isRecord(schema['definitions']) ? schema['definitions'] : {}), ...(isRecord(schema['$defs']) ? schema['$defs'] : {}) };
  let rootReferenced = false;

  const rewriteRef = (ref: string): string => {
    if (ref === '#') {
      rootReferenced = true;
      return `#/$defs/${escapePointer(prefix)}`;
    }
    const match = /^#\/(\$defs|definitions)\/([^/]+)(\/.*)?$/.exec(ref);
    if (!match) throw derivationError(`unsupported $ref '${ref}' in ${prefix} (only local #/$defs references are routed)`);
    const name = unescapePointer(match[2] ?? '');
    if (!Object.hasOwn(ownDefs, name)) throw derivationError(`$ref '${ref}' in ${prefix} names no definition`);
    return `#/$defs/${escapePointer(`${prefix}__${name}`)}${match[3] ?? ''}`;
  };

  const rewrite = (node: unknown): unknown => {
    if (Array.isArray(node)) return node.map(rewrite);
    if (!isRecord(node)) return node;
    const out: JsonSchema = {};
    for (const [key, value] of Object.entries(node)) out[key] = key === '$ref' && typeof value === 'string' ? rewriteRef(value) : rewrite(value);
    return out;
  };

  const { $schema: _dialect, $id: _id, $defs: _defs, definitions: _definitions, ...body } = schema;
  const embedded = rewrite(body) as JsonSchema;
  for (const [name, def] of Object.entries(ownDefs)) defs[`${prefix}__${name}`] = rewrite(def) as JsonSchema;
  if (rootReferenced) defs[prefix] = embedded;
  return embedded;
}

function withoutDescription(schema: unknown): unknown {
  if (!isRecord(schema)) return schema;
  const { description: _description, ...rest } = schema;
  return rest;
}

/**
 * The top-level `properties` of a grouped tool: the union of its actions' fields, for clients that
 * read only the flat view. Where actions disagree about a field, it accepts what any of them accepts
 * (the `oneOf` branches stay exact) and its description says what the field means per action.
 */
function unionProperties(branches: ReadonlyArray<{ action: string; properties: JsonSchema }>): JsonSchema {
  const byField = new Map<string, Array<{ action: string; schema: unknown }>>();
  for (const { action, properties } of branches) {
    for (const [field, schema] of Object.entries(properties)) {
      if (field === 'op') continue;
      const uses = byField.get(field) ?? [];
      uses.push({ action, schema });
      byField.set(field, uses);
    }
  }
  const union: JsonSchema = {};
  for (const [field, uses] of byField) {
    const descriptions = uses.map(({ action, schema }) => {
      const description = isRecord(schema) ? schema['description'] : undefined;
      return { action, description: typeof description === 'string' ? description : undefined };
    });
    const distinctDescriptions = new Set(descriptions.map((d) => d.description));
    const description =
      distinctDescriptions.size === 1
        ? descriptions[0]?.description
        : descriptions.map((d) => `${d.action}: ${d.description ?? '(no description)'}`).join(' | ');
    const variants = new Map<string, unknown>();
    for (const { schema } of uses) {
      const shape = withoutDescription(schema);
      variants.set(JSON.stringify(shape), shape);
    }
    const shapes = [...variants.values()];
    const merged: JsonSchema = shapes.length === 1 && isRecord(shapes[0]) ? { ...shapes[0] } : { anyOf: shapes };
    if (description !== undefined) merged['description'] = description;
    union[field] = merged;
  }
  return union;
}

/** An object, or a choice of objects (`lane.get`: a lane here or another station's). */
function isObjectSchema(schema: JsonSchema): boolean {
  if (schema['type'] === 'object') return true;
  const branches = schema['anyOf'] ?? schema['oneOf'];
  return Array.isArray(branches) && branches.length > 0 && branches.every((branch) => isRecord(branch) && isObjectSchema(branch));
}

function deriveTool(group: OpGroup, intent: Intent, groupOps: readonly OpContract[]): DerivedTool {
  const name = toolName(group, intent);
  const actions: ToolAction[] = groupOps.map((op) => ({ action: op.name, aliases: actionAliases(op.name), op }));
  const inputDefs: Record<string, JsonSchema> = {};
  const outputDefs: Record<string, JsonSchema> = {};

  const branches = actions.map(({ action, op }) => {
    const input = embed(inputJsonSchema(op), `${action}_input`, inputDefs);
    if (input['type'] !== 'object') throw derivationError(`op ${op.name} has a non-object input schema`);
    const properties = isRecord(input['properties']) ? input['properties'] : {};
    if (Object.hasOwn(properties, 'op')) throw derivationError(`op ${op.name} has an input field named 'op', which the tool uses to route`);
    const required = Array.isArray(input['required']) ? (input['required'] as unknown[]) : [];
    const branch: JsonSchema = {
      ...input,
      type: 'object',
      description: op.summary,
      properties: { op: { type: 'string', const: action, description: `Routes to dispatch op \`${op.name}\`.` }, ...properties },
      required: ['op', ...required],
      additionalProperties: false,
    };
    return { action, properties, branch };
  });

  const outputs = actions.map(({ action, op }) => {
    const output = embed(outputJsonSchema(op), `${action}_output`, outputDefs);
    // structuredContent must be a JSON object, so an op whose result is not one cannot be a tool action.
    if (!isObjectSchema(output)) throw derivationError(`op ${op.name} has a non-object output schema`);
    return { title: action, ...output };
  });

  const inputSchema: JsonSchema = {
    $schema: DIALECT,
    type: 'object',
    properties: {
      op: { type: 'string', enum: actions.map((a) => a.action), description: 'The dispatch op to run within this tool.' },
      ...unionProperties(branches),
    },
    required: ['op'],
    oneOf: branches.map((b) => b.branch),
  };
  if (Object.keys(inputDefs).length > 0) inputSchema['$defs'] = inputDefs;

  const outputSchema: JsonSchema = {
    $schema: DIALECT,
    type: 'object',
    description: 'The result of the chosen op; its shape is the anyOf entry titled with the op.',
    anyOf: outputs,
  };
  if (Object.keys(outputDefs).length > 0) outputSchema['$defs'] = outputDefs;

  const summary = GROUP_SUMMARIES[group][intent];
  const description = [
    `${summary} Set \`op\` to one of the actions below and pass that op's arguments alongside it:`,
    ...actions.map(({ action, op }) => `- ${action}: ${op.summary}${errorsNote(op)}`),
  ].join('\n');

  return {
    group,
    intent,
    actions,
    tool: {
      name,
      title: `dispatch ${group} (${intent})`,
      description,
      inputSchema: inputSchema as Tool['inputSchema'],
      outputSchema: outputSchema as Tool['outputSchema'],
      annotations: {
        title: `dispatch ${group} (${intent})`,
        readOnlyHint: intent === 'read',
        destructiveHint: intent === 'destroy',
        idempotentHint: groupOps.every((op) => op.idempotent),
        openWorldHint: false,
      },
    },
  };
}

/**
 * Derives the grouped MCP tools from the op registry and throws when any op would not be routed.
 * @param registry the ops to expose; defaults to the whole registry (tests pass their own).
 */
export function deriveTools(registry: readonly OpContract[] = opList): DerivedTool[] {
  const seenOps = new Set<string>();
  const seenActions = new Map<string, string>();
  for (const op of registry) {
    if (seenOps.has(op.name)) throw derivationError(`op ${op.name} is registered twice`);
    seenOps.add(op.name);
  }
  // An old spelling that names two ops, or shadows an op's own name, would route a call to the wrong op.
  for (const op of registry) {
    for (const action of [op.name, ...actionAliases(op.name)]) {
      const clash = seenActions.get(action);
      if (clash !== undefined) throw derivationError(`ops ${clash} and ${op.name} both answer to action ${action}`);
      seenActions.set(action, op.name);
    }
  }

  const tools: DerivedTool[] = [];
  const routed = new Set<string>();
  for (const group of Object.keys(GROUP_SUMMARIES) as OpGroup[]) {
    for (const intent of INTENTS) {
      const groupOps = registry.filter((op) => op.group === group && op.intent === intent);
      if (groupOps.length === 0) continue;
      tools.push(deriveTool(group, intent, groupOps));
      for (const op of groupOps) routed.add(op.name);
    }
  }

  // Parity guard: an op with a group or intent outside the tables above would silently vanish from MCP.
  const unrouted = registry.filter((op) => !routed.has(op.name)).map((op) => `${op.name} (${op.group}/${op.intent})`);
  if (unrouted.length > 0) throw derivationError(`ops not routed by any tool: ${unrouted.join(', ')}`);
  return tools;
}

let registryTools: DerivedTool[] | undefined;

/** The tools of the whole registry, derived once per process. */
export function registryToolList(): readonly DerivedTool[] {
  registryTools ??= deriveTools();
  return registryTools;
}

/** A tool call resolved to the op it runs. */
export interface RoutedCall {
  /** The registry op name, e.g. `goal.status` (also when the call used an old alias). */
  op: string;
  /** The tool arguments without the `op` discriminator, forwarded to the daemon as-is. */
  input: Record<string, unknown>;
}

/**
 * Resolves a tool call to its op and input; an unknown tool raises `not_found` (data lists the tools), a
 * missing or unknown `op`, or an op that belongs to another tool, a `validation` DispatchError whose data names the valid actions.
 */
export function routeToolCall(name: string, args: unknown, tools: readonly DerivedTool[] = registryToolList()): RoutedCall {
  const tool = tools.find((t) => t.tool.name === name);
  if (!tool) throw new DispatchError('not_found', `no dispatch MCP tool is named '${name}'; tools/list lists them`, { data: { tool: name, tools: tools.map((t) => t.tool.name) } });
  const actions = tool.actions.map((a) => a.action);
  if (args !== undefined && !isRecord(args)) throw new DispatchError('validation', `${name}: arguments must be an object`, { data: { tool: name, actions } });
  const { op: action, ...input } = args ?? {};
  if (typeof action !== 'string' || action.length === 0) {
    throw new DispatchError('validation', `${name}: missing string 'op'; expected one of ${actions.join(', ')}`, { data: { tool: name, actions } });
  }
  const answers = (a: ToolAction): boolean => a.action === action || a.aliases.includes(action);
  const match = tool.actions.find(answers);
  if (match) return { op: match.op.name, input };
  // Point a caller who picked the wrong tool at the right one instead of only saying "unknown".
  const elsewhere = tools.find((t) => t.actions.some(answers));
  const hint = elsewhere ? `; '${action}' belongs to ${elsewhere.tool.name}` : `; expected one of ${actions.join(', ')}`;
  throw new DispatchError('validation', `unknown dispatch MCP action ${name}/${action}${hint}`, {
    data: { tool: name, op: action, actions, ...(elsewhere ? { tool_for_op: elsewhere.tool.name } : {}) },
  });
}
