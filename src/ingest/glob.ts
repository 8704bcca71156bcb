/**
 * @module ingest/glob
 * File-name globs for `--include`: `*` (any run without `/`), `**` (any run), `?` (one
 * character), `{a,b}` (alternatives); everything else is literal.
 */
import { badInput } from '../errors.js';

export function globToRegExp(glob: string): RegExp {
  if (!glob || glob.length > 256) throw badInput('--include: expected a glob of 1-256 characters');
  let re = '';
  let inBrace = false;
  for (let i = 0; i < glob.length; i++) {
    const c = glob[i];
    if (c === '*') {
      if (glob[i + 1] === '*') {
        re += '.*';
        i++;
      } else re += '[^/]*';
    } else if (c === '?') re += '[^/]';
    else if (c === '{' && !inBrace) {
      re += '(?:';
      inBrace = true;
    } else if (c === '}' && inBrace) {
      re += ')';
      inBrace = false;
    } else if (c === ',' && inBrace) re += '|';
    else re += c.replace(/[.+^$()|[\]\\{}]/g, '\\$&');
  }
  if (inBrace) throw badInput(`--include ${glob}: unclosed {`);
  return new RegExp(`^${re}$`);
}
