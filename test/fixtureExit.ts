/**
 * Run by test/fixtures.test.ts: starts a long-lived child through the shared registry, prints its
 * pid, then ends the way argv[2] says (exit, throw, or wait for a signal). The child shares this
 * process's stdout, so the test sees that pipe close only once the child is gone too.
 */
import { spawn } from 'node:child_process';
import { adopt } from '../support/children.js';

const how = process.argv[2];
const child = adopt(spawn(process.execPath, ['-e', 'setInterval(() => {}, 1000)'], { stdio: ['ignore', 'inherit', 'ignore'] }));
process.stdout.write(`${child.pid}\n`);
if (how === 'exit') process.exit(0);
else if (how === 'throw')
  setImmediate(() => {
    throw new Error('an uncaught error');
  });
else setInterval(() => undefined, 1000); // until the test's SIGINT
