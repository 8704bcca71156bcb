/** The crash cycles live in support/ (npm run crashtest runs them too). */
export { crashCycles, type CrashOptions, type CrashResult } from '../support/crashCycle.js';
