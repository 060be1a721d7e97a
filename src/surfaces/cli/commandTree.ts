import type { Command, Option } from 'commander';
import { DispatchError } from '../../shared/errors.js';

/**
 * The command tree commander holds once every op route (from the manifest) and every process
 * command is registered: schema and shell completion read it, so neither keeps a list of its own.
 * A command run by name needs only its own branch, which is most of a command's start-up saved.
 */

/** A command reached by its words (['lane', 'get']); its groups are made by the tree. */
export interface CommandLeaf {
  words: readonly string[];
  /** Adds the command under `parent`, its group (or the program itself); `root` is the program. */
  add(parent: Command, root: Command): void;
  /** It reads the whole tree (schema, completion), so running it builds every command. */
  readsTree?: boolean;
}

function groupCommand(root: Command, words: readonly string[]): Command {
  let parent = root;
  for (const word of words) {
    const existing = parent.commands.find((c) => c.name() === word);
    parent = existing ?? parent.command(word).description(`${word} commands`);
  }
  return parent;
}

const startsWith = (words: readonly string[], prefix: readonly string[]): boolean => prefix.every((word, i) => words[i] === word);

/**
 * The leaves to build for the typed arguments (argv without node and script): the branch of the
 * command they name (the longest match, with anything under it), or all of them when they name
 * none — root or group help, `help`, an unknown command (commander suggests a near one), a leading
 * option — or a command that reads the tree. Either way commander sees the same commands it parses.
 */
export function leavesFor(leaves: readonly CommandLeaf[], typed: readonly string[]): readonly CommandLeaf[] {
  let named: CommandLeaf | undefined;
  for (const leaf of leaves) {
    if (startsWith(typed, leaf.words) && leaf.words.length > (named?.words.length ?? 0)) named = leaf;
  }
  if (!named || named.readsTree) return leaves;
  const branch = named.words;
  return leaves.filter((leaf) => startsWith(leaf.words, branch));
}

/** Adds the leaves under the root in order, each group made when its first command is added. */
export function addLeaves(root: Command, leaves: readonly CommandLeaf[]): void {
  for (const leaf of leaves) leaf.add(groupCommand(root, leaf.words.slice(0, -1)), root);
}

/** The command reached by `words` (group words included), or undefined. */
export function findCommand(root: Command, words: readonly string[]): Command | undefined {
  let current: Command | undefined = root;
  for (const word of words) {
    current = current.commands.find((c: Command) => c.name() === word || c.aliases().includes(word));
    if (!current) return undefined;
  }
  return current === root ? undefined : current;
}

export const visibleOptions = (command: Command): Option[] => command.options.filter((o: Option) => !o.hidden);

/** A `--flag` as a JSON Schema property: booleans for switches, strings (or choices) for values. */
function optionSchema(option: Option): Record<string, unknown> {
  const description = option.description || undefined;
  if (!option.required && !option.optional) return { type: 'boolean', ...(description ? { description } : {}) };
  return { type: 'string', ...(option.argChoices ? { enum: option.argChoices } : {}), ...(description ? { description } : {}) };
}

/**
 * The schema of a command that is not an op (up, down, doctor, lane follow…): its arguments and
 * options as the input. It prints JSON with --json, but no contract fixes that output's shape.
 */
export function processCommandSchema(command: Command, text: string): Record<string, unknown> {
  if (command.commands.length > 0) {
    throw new DispatchError('usage', `${text} is a group of commands; ask for one of: ${command.commands.map((c: Command) => `${text} ${c.name()}`).join(', ')}`);
  }
  const properties: Record<string, unknown> = {};
  const required: string[] = [];
  for (const argument of command.registeredArguments) {
    properties[argument.name()] = argument.variadic
      ? { type: 'array', items: { type: 'string' }, description: argument.description || 'positional argument' }
      : { type: 'string', description: argument.description || 'positional argument' };
    if (argument.required) required.push(argument.name());
  }
  for (const option of visibleOptions(command)) {
    if (!option.long) continue;
    if (option.negate) {
      // `--no-open` is the false of a boolean that is true by default: the schema names the boolean.
      properties[option.attributeName()] ??= { type: 'boolean', default: true, description: `${option.long}: ${option.description}` };
      continue;
    }
    properties[option.long.replace(/^--/, '')] = optionSchema(option);
    if (option.mandatory) required.push(option.long.replace(/^--/, ''));
  }
  return {
    command: text,
    op: null,
    summary: command.description(),
    kind: 'process command (not an op: not reachable over MCP)',
    input: { type: 'object', properties, ...(required.length > 0 ? { required } : {}), additionalProperties: false },
    output: { description: 'printed as JSON with --json; its shape is not part of a contract' },
  };
}
