/**
 * What `urchain` says when it cannot tell what to run: with no arguments, a short overview (as
 * git does); for a mistyped command, the nearest ones; for a known command missing a required
 * option, which one. Clipanion alone answers all three with "Command not found" and a listing of
 * every command.
 */
import type { Cli } from 'clipanion';

interface Definition {
  path: string;
  description?: string;
  options: { definition: string; required: boolean }[];
}

/** The overview `urchain` with no arguments prints: one line per command. */
export function overview(c: Cli): string {
  const defs = c.definitions() as Definition[];
  const width = Math.max(...defs.map((d) => d.path.length));
  const lines = defs.map((d) => `  ${d.path.padEnd(width)}  ${(d.description ?? '').trim()}`);
  return ['usage: urchain <command> [options]', '', ...lines, '', '`urchain <command> --help` and `man urchain-<command>` describe each command.', ''].join('\n');
}

/** Edit distance (insertions, deletions, substitutions, adjacent swaps count 1). */
export function distance(a: string, b: string): number {
  const d: number[][] = Array.from({ length: a.length + 1 }, (_, i) => Array.from({ length: b.length + 1 }, (_, j) => (i === 0 ? j : j === 0 ? i : 0)));
  for (let i = 1; i <= a.length; i++)
    for (let j = 1; j <= b.length; j++) {
      d[i][j] = Math.min(d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1));
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) d[i][j] = Math.min(d[i][j], d[i - 2][j - 2] + 1);
    }
  return d[a.length][b.length];
}

/**
 * One line (or a few) saying what is wrong with `argv` when clipanion found no command for it, or
 * undefined when this is not a case it knows (then clipanion's own message stands).
 */
export function explainNotFound(c: Cli, argv: string[]): string | undefined {
  const defs = c.definitions() as Definition[];
  const words = argv.filter((a) => !a.startsWith('-'));
  // A known command: the words of its path come first. Name the required options not given.
  const known = defs
    .map((d) => ({ d, path: d.path.split(' ').slice(1) }))
    .filter(({ path }) => path.length > 0 && path.every((w, i) => argv[i] === w))
    .sort((x, y) => y.path.length - x.path.length)[0];
  if (known) {
    const given = new Set(argv.filter((a) => a.startsWith('-')).map((a) => a.split('=')[0]));
    const missing = known.d.options.filter((o) => o.required && o.definition.startsWith('-') && !o.definition.split(' ')[0].split(',').some((n) => given.has(n)));
    if (!missing.length) return undefined;
    const names = missing.map((o) => o.definition.split(' ')[0].split(',')[0]);
    return `urchain ${known.path.join(' ')}: missing ${names.join(', ')} (see \`urchain ${known.path.join(' ')} --help\`)\n`;
  }
  if (!words.length) return undefined;
  // The first word of a group (`urchain config`): its commands.
  const group = defs.map((d) => d.path.split(' ').slice(1)).filter((p) => p.length > 1 && p[0] === argv[0]);
  if (group.length && (argv.length === 1 || argv[1].startsWith('-')))
    return `urchain ${argv[0]}: which one? ${group.map((p) => `\`urchain ${p.join(' ')}\``).join(', ')}\n`;
  // An unknown command: the nearest paths, by the words typed (as many as the path has).
  const scored = defs
    .map((d) => {
      const path = d.path.split(' ').slice(1);
      return { path: path.join(' '), score: distance(words.slice(0, path.length).join(' '), path.join(' ')) };
    })
    .sort((x, y) => x.score - y.score);
  const best = scored.filter((s) => s.score <= Math.max(2, Math.floor(s.path.length / 3)) && s.score === scored[0].score);
  if (!best.length) return `urchain: no command ${JSON.stringify(words[0])}; \`urchain\` lists them\n`;
  const typed = words.slice(0, best[0].path.split(' ').length).join(' ');
  return `urchain: no command ${JSON.stringify(typed)}; did you mean ${best.map((b) => `\`urchain ${b.path}\``).join(' or ')}?\n`;
}
