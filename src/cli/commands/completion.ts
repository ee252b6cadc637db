import type { Command, Option } from 'commander';

/** One command of the tree: the words that reach it, its subcommands and its options. */
interface Node {
  /** Every spelling of the path (names and aliases), e.g. `gpu ls` and `gpu list`. */
  paths: string[];
  /** The canonical path, e.g. `gpu ls`. */
  path: string[];
  children: { names: string[]; description: string }[];
  options: { flags: string[]; description: string; takesValue: boolean; choices: readonly string[] | undefined }[];
}

/**
 * `gpufleet completion bash|zsh|fish`: a completion script generated from the program's own command
 * tree, so every command, subcommand and option is in it without a list to keep up to date.
 */
export function registerCompletionCommand(program: Command): void {
  program
    .command('completion')
    .description('print a shell completion script (bash: `source <(gpufleet completion bash)`)')
    .argument('<shell>', 'bash, zsh or fish')
    .addHelpText(
      'after',
      '\nInstall:\n' +
        "  bash  echo 'source <(gpufleet completion bash)' >> ~/.bashrc\n" +
        "  zsh   echo 'source <(gpufleet completion zsh)' >> ~/.zshrc\n" +
        '  fish  gpufleet completion fish > ~/.config/fish/completions/gpufleet.fish',
    )
    .action((shell: string) => {
      const nodes = walk(program);
      const name = program.name();
      const scripts: Record<string, () => string> = {
        bash: () => bashScript(name, nodes),
        zsh: () => `autoload -U +X bashcompinit && bashcompinit\n${bashScript(name, nodes)}`,
        fish: () => fishScript(name, nodes),
      };
      const script = scripts[shell];
      if (!script) program.error(`error: completion takes bash, zsh or fish, not "${shell}"`, { exitCode: 2 });
      else process.stdout.write(script());
    });
}

function walk(command: Command, path: string[] = [], spellings: string[] = [''], globals: Node['options'] = []): Node[] {
  const own = command.options
    .filter((option) => !(option as Option & { hidden?: boolean }).hidden)
    .map((option) => ({
      flags: [option.long, option.short].filter((f): f is string => typeof f === 'string'),
      description: option.description,
      takesValue: option.required || option.optional,
      choices: option.argChoices,
    }));
  const help = { flags: ['--help', '-h'], description: 'show help', takesValue: false, choices: undefined };
  const inherited = path.length === 0 ? own : [...globals];
  const options = path.length === 0 ? [...own, help] : [...own, ...globals, help];
  const children = command.commands.map((child) => ({
    names: [child.name(), ...child.aliases()],
    description: child.description(),
  }));
  const node: Node = { paths: spellings, path, children, options };
  return [
    node,
    ...command.commands.flatMap((child) =>
      walk(
        child,
        [...path, child.name()],
        spellings.flatMap((s) => [child.name(), ...child.aliases()].map((n) => (s === '' ? n : `${s} ${n}`))),
        inherited,
      ),
    ),
  ];
}

const bashWords = (words: string[]) => words.join(' ');
const fn = (name: string) => `_${name.replace(/[^A-Za-z0-9_]/g, '_')}`;

function bashScript(name: string, nodes: Node[]): string {
  const id = fn(name);
  const cases = (pick: (node: Node) => string) =>
    nodes.map((node) => `    ${node.paths.map((p) => `"${p}"`).join('|')}) echo "${pick(node)}" ;;`).join('\n');
  const valueOptions = [...new Set(nodes.flatMap((n) => n.options.filter((o) => o.takesValue).flatMap((o) => o.flags)))];
  const choiceCases = [
    ...new Map(
      nodes.flatMap((n) => n.options.filter((o) => o.choices).flatMap((o) => o.flags.map((f) => [f, o.choices!.join(' ')]))),
    ),
  ]
    .map(([flag, choices]) => `    ${flag}) echo "${choices}" ;;`)
    .join('\n');
  return `# ${name} completion for bash and zsh, generated from the command tree.
${id}_children() {
  case "$1" in
${cases((node) => bashWords(node.children.flatMap((c) => c.names)))}
  esac
}
${id}_options() {
  case "$1" in
${cases((node) => bashWords(node.options.flatMap((o) => o.flags)))}
  esac
}
${id}_choices() {
  case "$1" in
${choiceCases}
  esac
}
${id}() {
  local cur="\${COMP_WORDS[COMP_CWORD]}" prev="" path="" word i skip=0
  local takes_value=" ${bashWords(valueOptions)} "
  for ((i = 1; i < COMP_CWORD; i++)); do
    word="\${COMP_WORDS[i]}"
    if ((skip)); then skip=0; continue; fi
    if [[ "$word" == -* ]]; then
      [[ "$takes_value" == *" $word "* ]] && skip=1
      continue
    fi
    if [[ " $(${id}_children "$path") " == *" $word "* ]]; then path="\${path:+$path }$word"; fi
  done
  ((COMP_CWORD > 1)) && prev="\${COMP_WORDS[COMP_CWORD - 1]}"
  if [[ "$takes_value" == *" $prev "* ]]; then
    COMPREPLY=($(compgen -W "$(${id}_choices "$prev")" -- "$cur"))
  elif [[ "$cur" == -* ]]; then
    COMPREPLY=($(compgen -W "$(${id}_options "$path")" -- "$cur"))
  else
    COMPREPLY=($(compgen -W "$(${id}_children "$path")" -- "$cur"))
  fi
}
complete -o default -F ${id} ${name}
`;
}

const fishQuote = (text: string) => `'${text.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;

function fishScript(name: string, nodes: Node[]): string {
  const lines = [`# ${name} completion for fish, generated from the command tree.`, `complete -c ${name} -f`];
  for (const node of nodes) {
    const names = node.children.flatMap((c) => c.names);
    // This node's own words have been typed, and none of its subcommands yet.
    const condition = [
      ...node.path.map((word) => `__fish_seen_subcommand_from ${word}`),
      ...(names.length > 0 ? [`not __fish_seen_subcommand_from ${names.join(' ')}`] : []),
    ];
    const when = condition.length === 0 ? '__fish_use_subcommand' : condition.join('; and ');
    for (const child of node.children) {
      lines.push(`complete -c ${name} -n ${fishQuote(when)} -a ${child.names[0]} -d ${fishQuote(child.description)}`);
    }
    for (const option of node.options) {
      const long = option.flags.find((f) => f.startsWith('--'))?.slice(2);
      const short = option.flags.find((f) => /^-[^-]$/.test(f))?.slice(1);
      const parts = [`complete -c ${name} -n ${fishQuote(when)}`];
      if (long) parts.push(`-l ${long}`);
      if (short) parts.push(`-s ${short}`);
      if (option.takesValue) parts.push(option.choices ? `-x -a ${fishQuote(option.choices.join(' '))}` : '-r');
      parts.push(`-d ${fishQuote(option.description)}`);
      lines.push(parts.join(' '));
    }
  }
  return `${lines.join('\n')}\n`;
}
