/**
 * Completion scripts. Command and option names are generated from the
 * commander definitions; entry paths come from `stv __complete-entries`,
 * which asks the agent only and prints nothing when the vault is locked.
 */
import type { Command } from 'commander';
import { UsageError } from '../../errors/index.js';
import { loadConfig, resolveVault } from '../../config/index.js';
import type { GlobalOptions } from '../runtime.js';
import { agentLink as agent } from '../../agent/index.js';

const ENTRY_COMMANDS = ['show', 'edit', 'rm', 'mv', 'totp', 'clip', 'history', 'restore', 'resolve', 'ssh-add'];

function commandTable(program: Command): { name: string; options: string[] }[] {
  return program.commands
    .filter((c) => !c.name().startsWith('__'))
    .map((c) => ({ name: c.name(), options: c.options.flatMap((o) => [o.long, o.short].filter((x): x is string => Boolean(x))) }));
}

/** Global options whose next word is their value. */
const VALUE_OPTIONS = ['--vault', '--keyfile', '--password-file', '--password-fd'];

export function completion(program: Command, shell: string): void {
  const table = commandTable(program);
  const globalsList = program.options.flatMap((o) => [o.long, o.short].filter(Boolean)).join(' ');
  const names = table.map((t) => t.name).join(' ');
  let script: string;
  if (shell === 'bash') {
    const cases = table.map((t) => `    ${t.name}) opts="${t.options.join(' ')}" ;;`).join('\n');
    script = `# bash completion for stv (stickvault)
_stv() {
  local cur prev cmd i opts
  local -a vault=()
  cur="\${COMP_WORDS[COMP_CWORD]}"
  prev="\${COMP_WORDS[COMP_CWORD-1]}"
  # The value of an option that takes one: vault names, or file names.
  case "$prev" in
    --vault) COMPREPLY=( $(compgen -W "$(stv __complete-vaults 2>/dev/null)" -- "$cur") $(compgen -f -- "$cur") ); return ;;
    --keyfile|--password-file|--keyfile-from|--new-keyfile) COMPREPLY=( $(compgen -f -- "$cur") ); return ;;
  esac
  cmd=""
  # The word after a global option that takes a value is that value, not the command;
  # --vault's is passed on so entry names come from that vault.
  for ((i=1; i<COMP_CWORD; i++)); do
    case "\${COMP_WORDS[i]}" in
      ${VALUE_OPTIONS.join('|')}) [[ "\${COMP_WORDS[i]}" == --vault ]] && vault=(--vault "\${COMP_WORDS[i+1]}"); ((i++)) ;;
      -*) ;;
      *) cmd="\${COMP_WORDS[i]}"; break ;;
    esac
  done
  if [[ -z "$cmd" ]]; then
    COMPREPLY=( $(compgen -W "${names} ${globalsList}" -- "$cur") )
    return
  fi
  case "$cmd" in
${cases}
  esac
  if [[ "$cur" == -* ]]; then
    COMPREPLY=( $(compgen -W "$opts ${globalsList}" -- "$cur") )
    return
  fi
  case "$cmd" in
    ${ENTRY_COMMANDS.join('|')})
      # Names may hold spaces and shell characters: match the typed word with its
      # backslashes removed, and insert each name quoted for the shell.
      local IFS=$'\\n' typed="\${cur//\\\\/}" name
      COMPREPLY=()
      for name in $(stv "\${vault[@]}" __complete-entries 2>/dev/null); do
        [[ "$name" == "$typed"* ]] && COMPREPLY+=( "$(printf '%q' "$name")" )
      done
      ;;
  esac
}
complete -o default -F _stv stv stickvault
`;
  } else if (shell === 'zsh') {
    script = `#compdef stv stickvault
_stv() {
  local -a cmds entries vault
  local i cmd=""
  cmds=(${names})
  case "\${words[CURRENT-1]}" in
    --vault) compadd -- \${(f)"$(stv __complete-vaults 2>/dev/null)"}; _files; return ;;
    --keyfile|--password-file|--keyfile-from|--new-keyfile) _files; return ;;
  esac
  for (( i = 2; i < CURRENT; i++ )); do
    case "\${words[i]}" in
      ${VALUE_OPTIONS.join('|')}) [[ "\${words[i]}" == --vault ]] && vault=(--vault "\${words[i+1]}"); (( i++ )) ;;
      -*) ;;
      *) cmd="\${words[i]}"; break ;;
    esac
  done
  if [[ -z "$cmd" ]]; then
    _describe 'command' cmds
    return
  fi
  case "$cmd" in
    ${ENTRY_COMMANDS.join('|')})
      # compadd quotes spaces and shell characters itself.
      entries=("\${(@f)$(stv "\${vault[@]}" __complete-entries 2>/dev/null)}")
      compadd -a entries ;;
    *) _files ;;
  esac
}
compdef _stv stv stickvault
`;
  } else if (shell === 'fish') {
    script = [
      '# fish completion for stv (stickvault)',
      `complete -c stv -f -n '__fish_use_subcommand' -a '${names}'`,
      "complete -c stv -l vault -x -a '(stv __complete-vaults 2>/dev/null; __fish_complete_path)'",
      ...ENTRY_COMMANDS.map((c) => `complete -c stv -f -n '__fish_seen_subcommand_from ${c}' -a '(stv __complete-entries 2>/dev/null)'`),
      '',
    ].join('\n');
  } else {
    throw new UsageError(`unknown shell '${shell}'; use bash, zsh or fish`);
  }
  process.stdout.write(script);
}

/** Vault names from the config (never a secret), for `--vault <Tab>`. */
export async function completeVaults(): Promise<void> {
  const names = Object.keys(loadConfig().vaults ?? {});
  if (names.length) process.stdout.write(names.join('\n') + '\n');
}

/** Entry paths from the agent's cached vault; silent and empty when locked. */
export async function completeEntries(opts: GlobalOptions): Promise<void> {
  const ref = resolveVault(opts.vault, loadConfig());
  const r = await agent.query(ref.path, 'paths', {}).catch(() => ({ ok: false as const }));
  if (r.ok) process.stdout.write((r.value as string[]).join('\n') + '\n');
}
