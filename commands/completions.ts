/**
 * Shell completion scripts for bash, zsh and fish, generated from clipanion's command
 * definitions, so they can never list a command or option the CLI does not have.
 */
import type { Definition } from 'clipanion';

export const SHELLS = ['bash', 'zsh', 'fish'] as const;
export type Shell = (typeof SHELLS)[number];

interface Cmd {
  words: string[];
  description: string;
  flags: { names: string[]; takesValue: boolean; description: string }[];
}

function commands(defs: Definition[]): Cmd[] {
  return defs
    .map((d) => ({
      words: d.path.split(' ').slice(1),
      description: (d.description ?? '').replace(/\s+/g, ' ').trim(),
      flags: d.options.map((o) => {
        const [names, arg] = o.definition.split(' ');
        return { names: names.split(','), takesValue: !!arg, description: (o.description ?? '').replace(/\s+/g, ' ').trim() };
      }),
    }))
    .filter((c) => c.words.length > 0 && !c.words[0].startsWith('-'))
    .sort((a, b) => a.words.join(' ').localeCompare(b.words.join(' ')));
}

export function completionScript(defs: Definition[], shell: Shell): string {
  const cmds = commands(defs);
  if (shell === 'bash') return bash(cmds);
  if (shell === 'zsh') return zsh(cmds);
  return fish(cmds);
}

const q = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`;

function bash(cmds: Cmd[]): string {
  const tops = [...new Set(cmds.map((c) => c.words[0]))];
  const cases = cmds
    .map((c) => `    ${q(c.words.join(' '))}) opts=${q(c.flags.flatMap((f) => f.names).join(' '))} ;;`)
    .join('\n');
  const subs = [...new Set(cmds.filter((c) => c.words.length > 1).map((c) => c.words[0]))]
    .map((t) => `    ${q(t)}) subs=${q(cmds.filter((c) => c.words[0] === t && c.words.length > 1).map((c) => c.words[1]).join(' '))} ;;`)
    .join('\n');
  return `# bash completion for urchain (generated from the command definitions; do not edit)
_urchain() {
  local cur=\${COMP_WORDS[COMP_CWORD]} words=() w i
  for ((i = 1; i < COMP_CWORD; i++)); do
    w=\${COMP_WORDS[i]}
    [[ $w == -* ]] && continue
    words+=("$w")
  done
  if ((\${#words[@]} == 0)); then
    COMPREPLY=($(compgen -W ${q(tops.join(' '))} -- "$cur")); return
  fi
  local subs=''
  case "\${words[0]}" in
${subs}
  esac
  if [[ -n $subs && \${#words[@]} == 1 && $cur != -* ]]; then
    COMPREPLY=($(compgen -W "$subs" -- "$cur")); return
  fi
  local path="\${words[0]}" opts=''
  [[ -n $subs ]] && path="\${words[0]} \${words[1]}"
  case "$path" in
${cases}
  esac
  if [[ $cur == -* ]]; then COMPREPLY=($(compgen -W "$opts" -- "$cur")); else COMPREPLY=($(compgen -f -- "$cur")); fi
}
complete -F _urchain urchain
`;
}

function zsh(cmds: Cmd[]): string {
  const esc = (s: string) => s.replace(/[[\]:']/g, ' ');
  const entries = cmds.map((c) => `    ${q(`${c.words.join(' ')}:${esc(c.description)}`)}`).join('\n');
  const cases = cmds
    .map((c) => {
      const args = c.flags.map((f) => {
        const names = f.names.length > 1 ? `{${f.names.join(',')}}` : f.names[0];
        return q(`${names}[${esc(f.description)}]${f.takesValue ? ':value:_files' : ''}`);
      });
      return `    ${q(c.words.join(' '))}) _arguments ${args.join(' ')} '*:file:_files' ;;`;
    })
    .join('\n');
  return `#compdef urchain
# zsh completion for urchain (generated from the command definitions; do not edit)
_urchain() {
  local -a cmds
  cmds=(
${entries}
  )
  local words_=(\${words[2,CURRENT-1]:#-*})
  if (( \${#words_} == 0 )); then
    _describe -t commands 'urchain command' cmds; return
  fi
  local path_="\${words_[1]}"
  if (( \${#words_} >= 2 )) && (( \${cmds[(I)\${words_[1]} \${words_[2]}:*]} )); then path_="\${words_[1]} \${words_[2]}"; fi
  if (( \${#words_} == 1 )) && (( \${cmds[(I)\${words_[1]} *]} )); then
    local -a subs; subs=(\${\${(M)cmds:#\${words_[1]} *}#\${words_[1]} }); _describe -t commands 'subcommand' subs; return
  fi
  case "$path_" in
${cases}
  esac
}
_urchain "$@"
`;
}

function fish(cmds: Cmd[]): string {
  const lines = ['# fish completion for urchain (generated from the command definitions; do not edit)', 'complete -c urchain -f'];
  const tops = [...new Set(cmds.map((c) => c.words[0]))];
  for (const t of tops) {
    const group = cmds.filter((c) => c.words[0] === t);
    const desc = group.length === 1 && group[0].words.length === 1 ? group[0].description : `${t} commands`;
    lines.push(`complete -c urchain -n __fish_use_subcommand -a ${q(t)} -d ${q(desc)}`);
    for (const c of group.filter((c) => c.words.length > 1))
      lines.push(`complete -c urchain -n ${q(`__fish_seen_subcommand_from ${t}; and not __fish_seen_subcommand_from ${group.map((g) => g.words[1]).join(' ')}`)} -a ${q(c.words[1])} -d ${q(c.description)}`);
  }
  for (const c of cmds) {
    const cond = c.words.length > 1 ? `__fish_seen_subcommand_from ${c.words[0]}; and __fish_seen_subcommand_from ${c.words[1]}` : `__fish_seen_subcommand_from ${c.words[0]}`;
    for (const f of c.flags) {
      const parts = f.names.map((n) => (n.startsWith('--') ? `-l ${n.slice(2)}` : `-s ${n.slice(1)}`)).join(' ');
      lines.push(`complete -c urchain -n ${q(cond)} ${parts}${f.takesValue ? ' -r -F' : ''} -d ${q(f.description)}`);
    }
  }
  return lines.join('\n') + '\n';
}
