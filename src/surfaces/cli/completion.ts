import type { Command } from 'commander';
import { Argument } from 'commander';
import { DispatchError } from '../../shared/errors.js';
import { visibleOptions, type CommandLeaf } from './commandTree.js';

/** One node of the command tree as completion sees it: a path of words and what may follow it. */
interface Node {
  path: string;
  subcommands: string[];
  options: string[];
}

function nodesOf(command: Command, path: string[] = []): Node[] {
  const here: Node = {
    path: path.join(' '),
    subcommands: command.commands.flatMap((c: Command) => [c.name(), ...c.aliases()]),
    options: [...visibleOptions(command).flatMap((o) => [o.long, o.short].filter((f): f is string => Boolean(f))), '--help'],
  };
  return [here, ...command.commands.flatMap((c: Command) => [c.name(), ...c.aliases()].flatMap((name) => nodesOf(c, [...path, name])))];
}

const quote = (text: string): string => `'${text.replace(/'/g, `'\\''`)}'`;

/** Bash: walk the typed words down the tree, then offer the subcommands (or options) of that node. */
function bashScript(nodes: Node[]): string {
  const known = nodes.filter((n) => n.path !== '').map((n) => quote(n.path));
  const cases = nodes.map((n) => `    ${quote(n.path)}) subcommands=${quote(n.subcommands.join(' '))}; options=${quote(n.options.join(' '))} ;;`);
  return [
    '# dispatch completion for bash: eval "$(dispatch completion bash)"',
    '_dispatch() {',
    '  local cur="${COMP_WORDS[COMP_CWORD]}" path="" next i',
    '  for ((i = 1; i < COMP_CWORD; i++)); do',
    '    [[ ${COMP_WORDS[i]} == -* ]] && continue',
    '    next="${path:+$path }${COMP_WORDS[i]}"',
    '    case "$next" in',
    `      ${known.join('|')}) path="$next" ;;`,
    '    esac',
    '  done',
    '  local subcommands="" options=""',
    '  case "$path" in',
    ...cases,
    '  esac',
    '  if [[ $cur == -* || -z $subcommands ]]; then',
    '    COMPREPLY=($(compgen -W "$options" -- "$cur"))',
    '  else',
    '    COMPREPLY=($(compgen -W "$subcommands" -- "$cur"))',
    '  fi',
    '}',
    'complete -F _dispatch dispatch',
    '',
  ].join('\n');
}

/** zsh runs the bash function through bashcompinit, so both shells complete from the same table. */
function zshScript(nodes: Node[]): string {
  return ['#compdef dispatch', '# dispatch completion for zsh: eval "$(dispatch completion zsh)"', 'autoload -U +X bashcompinit && bashcompinit', bashScript(nodes)].join('\n');
}

/** fish: one `complete` line per word, guarded by the words that must come before it. */
function fishScript(nodes: Node[]): string {
  const lines = ['# dispatch completion for fish: dispatch completion fish | source', 'complete -c dispatch -f'];
  for (const node of nodes) {
    const words = node.path === '' ? [] : node.path.split(' ');
    const guard =
      words.length === 0
        ? '__fish_use_subcommand'
        : `${words.map((w) => `__fish_seen_subcommand_from ${w}`).join('; and ')}${node.subcommands.length > 0 ? `; and not __fish_seen_subcommand_from ${node.subcommands.join(' ')}` : ''}`;
    if (node.subcommands.length > 0) lines.push(`complete -c dispatch -n ${quote(guard)} -a ${quote(node.subcommands.join(' '))}`);
    const longs = node.options.filter((o) => o.startsWith('--')).map((o) => o.slice(2));
    if (words.length > 0 && longs.length > 0) lines.push(`complete -c dispatch -n ${quote(guard)} ${longs.map((l) => `-l ${l}`).join(' ')}`);
  }
  return `${lines.join('\n')}\n`;
}

const SHELLS = { bash: bashScript, zsh: zshScript, fish: fishScript } as const;

/** `dispatch completion bash|zsh|fish`: a script generated from the registered command tree (all of it). */
export const completionLeaf: CommandLeaf = {
  words: ['completion'],
  readsTree: true,
  add(program: Command, root: Command): void {
    program
      .command('completion')
      .description('Print a shell completion script (bash, zsh or fish) for every dispatch command.')
      .addArgument(new Argument('<shell>', 'the shell').choices(Object.keys(SHELLS)))
      .action((shell: string) => {
        const script = SHELLS[shell as keyof typeof SHELLS] as ((nodes: Node[]) => string) | undefined;
        if (!script) throw new DispatchError('usage', `no completion for ${shell}; choose bash, zsh or fish`);
        process.stdout.write(script(nodesOf(root)));
      });
  },
};
