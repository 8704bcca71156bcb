/**
 * What readme-check reads in a markdown file: its shell blocks (```sh, bash or shell), the heading
 * and section each is under, a skip marker before a fence, the 127.0.0.1 ports the blocks name,
 * and the script bash runs, which keeps the file's line numbers.
 */

export interface Block {
  /** 1-based line of the opening fence; the block's lines follow it. */
  line: number;
  end: number;
  heading: string;
  section: string;
  skip?: string;
}

const RUNS = new Set(['sh', 'bash', 'shell']);
const SKIP = /^<!--\s*readme-check:\s*skip\b\s*(.*?)\s*-->\s*$/;

/** The shell blocks of a markdown text, with the heading and the `##` section each is under. */
export function shellBlocks(text: string): Block[] {
  const lines = text.split('\n');
  const blocks: Block[] = [];
  let heading = '';
  let section = '';
  for (let i = 0; i < lines.length; i++) {
    const h = /^(#{1,6})\s+(.*)$/.exec(lines[i]);
    if (h) {
      heading = h[2].trim();
      if (h[1].length <= 2) section = heading;
      continue;
    }
    // A fence as CommonMark has it: up to three spaces in, closed by at least as many backticks.
    const open = /^ {0,3}(`{3,})\s*([\w-]*)/.exec(lines[i]);
    if (!open) continue;
    const close = new RegExp(`^ {0,3}${open[1]}\`*\\s*$`);
    let j = i + 1;
    while (j < lines.length && !close.test(lines[j])) j++;
    if (RUNS.has(open[2])) {
      let k = i - 1;
      while (k >= 0 && lines[k].trim() === '') k--;
      const skip = k >= 0 ? SKIP.exec(lines[k])?.[1] : undefined;
      blocks.push({ line: i + 1, end: j + 1, heading, section, skip: skip === undefined ? undefined : skip || 'no reason given' });
    }
    i = j;
  }
  return blocks;
}

/** The ports on 127.0.0.1 (or localhost) that the blocks name. */
export function namedPorts(text: string, blocks: Block[]): number[] {
  const lines = text.split('\n');
  const ports = new Set<number>();
  for (const b of blocks)
    for (const l of lines.slice(b.line, b.end - 1)) for (const m of l.matchAll(/(?:127\.0\.0\.1|localhost):(\d{2,5})\b/g)) ports.add(Number(m[1]));
  return [...ports].sort((a, b) => a - b);
}

/** The script bash runs: README line N is script line N; markers replace the fences. */
export function script(text: string, run: Block[], prelude: string): string {
  const lines = text.split('\n').map(() => '');
  const src = text.split('\n');
  if (run.some((b) => b.line === 1)) throw new Error('a shell block cannot open on line 1 (the prelude goes there)');
  lines[0] = `source ${JSON.stringify(prelude)}`;
  run.forEach((b, k) => {
    lines[b.line - 1] = `__readme_block ${k}`;
    for (let n = b.line; n < b.end - 1; n++) lines[n] = src[n];
  });
  return `${lines.join('\n')}\n__readme_done\n`;
}
