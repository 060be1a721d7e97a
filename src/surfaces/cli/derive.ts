import type { Command } from 'commander';
import { Option } from 'commander';
import type { CliRoute, Intent } from '../../contracts/defineOp.js';
import type { FieldInfo } from '../../contracts/fields.js';
import type { OpManifest, OpManifestEntry } from '../../contracts/manifest.js';
import { DispatchError } from '../../shared/errors.js';
import { resolveText } from './textInput.js';
import type { CommandLeaf } from './commandTree.js';
import { followEvents, followLane } from './follow.js';
import { wantsJson } from './output.js';

/** Transcript items `lane tail --follow` shows before going live (without --limit). */
const TAIL_FOLLOW_HISTORY = 20;

/** The CLI flag (without dashes) of an op input field. */
export const flagName = (field: string): string => field.replace(/_/g, '-');

/** Runs an op for a derived command; implemented by main.ts (daemon call + output). */
export type InvokeOp = (op: string, input: Record<string, unknown>, options: { json: boolean; yes: boolean; intent: Intent }) => Promise<void>;

/**
 * Composed spellings: a few commands reach a different op depending on a flag, or take
 * mode flags, exactly as dispatch 0.1.0's CLI did. Each still calls exactly one op.
 */
interface Composition {
  options: Option[];
  /** `--<flag>` turns the command into op `op` (0.1.0's spelling); `route` and `dispatch schema` both follow it. */
  switchTo?: FlagSwitch;
  route(input: Record<string, unknown>, flags: Record<string, unknown>): Routed;
}

/** What a command runs: one op call, or (`--follow`) a stream that ends with Ctrl-C. */
type Routed = { op: string; input: Record<string, unknown> } | { stream: (json: boolean) => Promise<void> };

interface FlagSwitch {
  flag: string;
  op: string;
}

const UNMANAGED: FlagSwitch = { flag: 'unmanaged', op: 'lane.discover' };

/** `--follow` on a reading command streams from there on; the rest of its flags say from where. */
const followOption = (what: string): Option => new Option('--follow', `${what}, until Ctrl-C`);

const COMPOSITIONS: Record<string, Composition> = {
  send: {
    options: ['steer', 'queue', 'interject', 'context'].map((m) => new Option(`--${m}`, `shorthand for --mode ${m}`)),
    route(input, flags) {
      const chosen = ['steer', 'queue', 'interject', 'context'].filter((m) => flags[m] === true);
      if (chosen.length > 1 || (chosen.length === 1 && input['mode'] !== undefined && input['mode'] !== chosen[0])) {
        throw new DispatchError('usage', 'choose exactly one send mode');
      }
      return { op: 'send', input: chosen[0] ? { ...input, mode: chosen[0] } : input };
    },
  },
  stop: {
    options: [new Option('--lane <lane>', 'the lane (instead of the argument)')],
    route(input, flags) {
      const fromFlag = flags['lane'];
      if ((input['lane'] === undefined) === (fromFlag === undefined)) throw new DispatchError('usage', 'give the lane as an argument or with --lane, once');
      return { op: 'stop', input: { lane: input['lane'] ?? fromFlag } };
    },
  },
  'lane.list': {
    switchTo: UNMANAGED,
    options: [new Option('--unmanaged', 'list codex threads you could attach instead (op lane.discover)'), new Option('--limit <n>', 'with --unmanaged: threads to list').argParser(Number)],
    route(input, flags) {
      if (flags[UNMANAGED.flag] === true) return { op: UNMANAGED.op, input: flags['limit'] === undefined ? {} : { limit: flags['limit'] } };
      if (flags['limit'] !== undefined) throw new DispatchError('usage', '--limit applies with --unmanaged');
      return { op: 'lane.list', input };
    },
  },
  'lane.tail': {
    options: [followOption('then stream what the agent does live')],
    route(input, flags) {
      if (flags['follow'] !== true) return { op: 'lane.tail', input };
      return { stream: (json) => followLane(String(input['lane']), { json, history: typeof input['limit'] === 'number' ? input['limit'] : TAIL_FOLLOW_HISTORY }) };
    },
  },
  events: {
    options: [followOption('then print each new fact as it is appended (from now without --since)')],
    route(input, flags) {
      if (flags['follow'] !== true) return { op: 'events', input };
      if (input['limit'] !== undefined) throw new DispatchError('usage', '--limit applies without --follow (a follower prints every fact)');
      const since = typeof input['since'] === 'number' ? input['since'] : undefined;
      return { stream: (json) => followEvents({ lanes: Array.isArray(input['lane']) ? input['lane'].map(String) : [], since, json }) };
    },
  },
};

function parseNumber(field: FieldInfo) {
  return (value: string): number => {
    const n = Number(value);
    if (value.trim() === '' || !Number.isFinite(n) || (field.kind === 'integer' && !Number.isInteger(n))) {
      throw new DispatchError('usage', `--${flagName(field.name)} expects ${field.kind === 'integer' ? 'an integer' : 'a number'}, got '${value}'`);
    }
    return n;
  };
}

function addFieldOption(command: Command, field: FieldInfo): void {
  const flag = flagName(field.name);
  const description = field.description ?? '';
  switch (field.kind) {
    case 'boolean':
      command.addOption(new Option(`--${flag}`, `${description}${field.defaultValue === true ? ' (default)' : ''}`));
      command.addOption(new Option(`--no-${flag}`, field.defaultValue === true ? `do not ${field.name.replace(/_/g, ' ')}` : `${description} (off; default)`).hideHelp(field.defaultValue !== true));
      return;
    case 'number':
    case 'integer':
      command.addOption(new Option(`--${flag} <n>`, description).argParser(parseNumber(field)).makeOptionMandatory(field.required));
      return;
    case 'enum':
      command.addOption(new Option(`--${flag} <value>`, description).choices(field.choices ?? []).makeOptionMandatory(field.required));
      return;
    case 'array':
      command.addOption(new Option(`--${flag} <value>`, `${description} (repeatable)`).argParser((value: string, previous: string[] | undefined) => [...(previous ?? []), value]));
      return;
    default:
      command.addOption(new Option(`--${flag} <value>`, description).makeOptionMandatory(field.required));
  }
}

/** The camelCase keys commander gives options, mapped back to the contract's field names. */
function camel(name: string): string {
  return name.replace(/_([a-z])/g, (_m, c: string) => c.toUpperCase());
}

function addRoute(parent: Command, op: OpManifestEntry, words: readonly string[], route: CliRoute, invoke: InvokeOp): void {
  const command = parent.command(words.at(-1) ?? op.name).description(op.summary);
  // `name?` is optional, `name...` takes the rest of the arguments (an array field).
  const positionals = (route.positionals ?? []).map((p) => ({ name: p.replace(/(\?|\.\.\.)$/, ''), optional: p.endsWith('?'), variadic: p.endsWith('...') }));
  for (const p of positionals) command.argument(p.optional ? `[${p.name}]` : `<${p.name}${p.variadic ? '...' : ''}>`);
  const positionalNames = new Set(positionals.map((p) => p.name));
  const positionalInfo = new Map(op.fields.filter((f) => positionalNames.has(f.name)).map((f) => [f.name, f]));
  const fields = op.fields.filter((f) => !positionalNames.has(f.name));
  for (const field of fields) addFieldOption(command, field);
  const textField = op.fields.find((f) => f.name === 'text' && f.kind === 'string');
  if (textField) command.addOption(new Option('--text-file <path>', 'read the text from this file (- for stdin)'));
  const composition = COMPOSITIONS[op.name];
  for (const option of composition?.options ?? []) command.addOption(option);
  command.option('--json', 'print JSON (the default when stdout is not a terminal)');
  if (op.intent === 'destroy') command.option('-y, --yes', 'do not ask for confirmation');
  command.action(async (...args: unknown[]) => {
    const flags = command.opts<Record<string, unknown>>();
    const input: Record<string, unknown> = {};
    positionals.forEach((p, i) => {
      const value = args[i];
      if (value === undefined) return;
      const info = positionalInfo.get(p.name);
      input[p.name] = info && (info.kind === 'integer' || info.kind === 'number') ? parseNumber(info)(value as string) : value;
    });
    for (const field of fields) {
      const value = flags[camel(field.name)];
      if (value !== undefined) input[field.name] = value;
    }
    if (textField) await resolveText(input, flags['textFile'] as string | undefined, textField.required);
    const routed: Routed = composition ? composition.route(input, flags) : { op: op.name, input };
    if ('stream' in routed) await routed.stream(wantsJson(flags['json'] === true));
    else await invoke(routed.op, routed.input, { json: flags['json'] === true, yes: flags['yes'] === true, intent: op.intent });
  });
}

/** One command per op route (and alias) of the registry's manifest, in the manifest's order. */
export function opCommandLeaves(manifest: OpManifest, invoke: InvokeOp): CommandLeaf[] {
  return manifest.ops.flatMap((op) => {
    const route = op.cli;
    if (!route) return [];
    return [route.command, ...(route.aliases ?? [])].map((words) => ({ words, add: (parent: Command) => addRoute(parent, op, words, route, invoke) }));
  });
}

/** Maps a command as typed (e.g. "lane get", "lane list --unmanaged"), an op name ("lane.get") or an old op name ("show") to its op. */
export function opForCommand(manifest: OpManifest, text: string): OpManifestEntry | undefined {
  const opList = manifest.ops;
  const words = text.trim().split(/\s+/).filter(Boolean);
  const flags = words.filter((w) => w.startsWith('--'));
  const path = words.filter((w) => !w.startsWith('--'));
  const joined = path.join(' ');
  const named =
    opList.find((op) => op.cli && [op.cli.command, ...(op.cli.aliases ?? [])].some((w) => w.join(' ') === joined)) ??
    opList.find((op) => op.name === path.join('.')) ??
    (Object.hasOwn(manifest.aliases, joined) ? opList.find((op) => op.name === manifest.aliases[joined]) : undefined);
  const switched = named ? COMPOSITIONS[named.name]?.switchTo : undefined;
  return switched && flags.includes(`--${switched.flag}`) ? opList.find((o) => o.name === switched.op) : named;
}
