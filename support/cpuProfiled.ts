/**
 * The CLI (the same code as bin/urchain) under V8's CPU profiler, for `--only profile`: started
 * as a node's entry (support/children.ts `startNode(…, { entry })`). `node --cpu-prof` would do
 * the same, but node refuses that flag in NODE_OPTIONS and startNode passes none of its own; the
 * inspector's profiler is the one `--cpu-prof` uses. Profiling starts on SIGUSR2 (the bench sends
 * it once the node is up, so start-up is not in the profile) and the profile is written on exit
 * (a node stops on SIGTERM and exits normally) to the file named by URCHAIN_CPU_PROFILE.
 */
import '../src/io/fastCrypto.js';
import fs from 'node:fs';
import { Session } from 'node:inspector';

const out = process.env.URCHAIN_CPU_PROFILE;
if (!out) throw new Error('cpuProfiled: set URCHAIN_CPU_PROFILE to the file to write');
const session = new Session();
session.connect();
// A session on this thread answers synchronously, so the exit handler can still write the profile.
session.post('Profiler.enable');
session.post('Profiler.setSamplingInterval', { interval: 1000 }); // µs, as --cpu-prof-interval's default
process.on('SIGUSR2', () => session.post('Profiler.start'));
process.on('exit', () => {
  session.post('Profiler.stop', (err, r) => {
    if (!err) fs.writeFileSync(out, JSON.stringify(r.profile));
  });
});

const { main } = await import('../commands/cli.js');
await main(process.argv.slice(2));
