/**
 * Memory of a child process from /proc (Linux), for the memory tests, the bench and the fuzzer.
 */
import fs from 'node:fs';

function statusKb(pid: number, field: string): number {
  try {
    const m = new RegExp(`${field}:\\s+(\\d+) kB`).exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) * 1024 : 0;
  } catch {
    return 0;
  }
}

/** Peak resident set size of a process (VmHWM), in bytes; 0 when unknown. */
export const peakRss = (pid: number): number => statusKb(pid, 'VmHWM');

/** Resident set size now (VmRSS), in bytes; 0 when unknown. */
export const rss = (pid: number): number => statusKb(pid, 'VmRSS');

/** Resets a process's peak RSS (Linux: "5" to /proc/PID/clear_refs); false when not allowed. */
export function resetPeakRss(pid: number): boolean {
  try {
    fs.writeFileSync(`/proc/${pid}/clear_refs`, '5');
    return true;
  } catch {
    return false;
  }
}
