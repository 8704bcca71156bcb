/**
 * Loaded into every child process of `--only network --network-profile DIR` through
 * `NODE_OPTIONS=--import` (node refuses `--cpu-prof` there, and the cluster starts its nodes
 * through the real CLI with no entry of its own). It does nothing until the bench sends SIGUSR2
 * (so start-up is not in the profile); from then on V8's sampling profiler runs, and the profile
 * is written to DIR/PID.cpuprofile when the process exits (a node stops on SIGTERM and exits
 * normally). Child processes that never get the signal (keygen, init) write nothing.
 */
import fs from 'node:fs';
import path from 'node:path';
import { Session } from 'node:inspector';

const dir = process.env.URCHAIN_PROFILE_DIR;
if (dir) {
  const session = new Session();
  session.connect();
  session.post('Profiler.enable');
  session.post('Profiler.setSamplingInterval', { interval: 1000 });
  let started = false;
  process.on('SIGUSR2', () => {
    if (started) return;
    started = true;
    session.post('Profiler.start');
  });
  process.on('exit', () => {
    if (!started) return;
    // A session on this thread answers synchronously, so the profile is written before exit.
    session.post('Profiler.stop', (err, r) => {
      if (!err) fs.writeFileSync(path.join(dir, `${process.pid}.cpuprofile`), JSON.stringify(r.profile));
    });
  });
}
