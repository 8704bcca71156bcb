/**
 * `npm run profile -- FILE.cpuprofile [--top N]`: the summary `--only profile` prints (top
 * functions by self time, share by area), for any V8 CPU profile, e.g. one written by
 * `node --cpu-prof bin/urchain node run …`. One JSON object on stdout.
 */
import { summariseProfile } from '../support/cpuProfile.js';

const args = process.argv.slice(2);
const file = args.find((a, i) => !a.startsWith('--') && args[i - 1] !== '--top');
const top = args.includes('--top') ? Number(args[args.indexOf('--top') + 1]) : 15;
if (!file || !Number.isInteger(top) || top < 1) {
  process.stderr.write('usage: npm run profile -- FILE.cpuprofile [--top N]\n');
  process.exit(2);
}
process.stdout.write(`${JSON.stringify(summariseProfile(file, top), null, 2)}\n`);
