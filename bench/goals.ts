/**
 * Issue 11's "Must reach" list, checked against the lines of one bench run: each goal whose
 * figures were measured in this run prints one `goal` line with the value, the target and
 * whether it is met. Ratios to Hypercore use the Hypercore median of the same run
 * (`--only hypercore`, or a plain `npm run bench`, which runs everything but the paper).
 */
import type { Emit } from './common.js';

type Line = Record<string, any>;

/**
 * Figures of the write path before issue 11, for the "× today" goals: the release before it
 * (55a10c9), measured on 2026-11-26 on this machine one run before the new one (README,
 * "The write path before and after"). The README figures of 2026-11-24/25 (7,200 and 4,800)
 * did not reproduce with that release on the same machine that day.
 */
const TODAY = { httpSinglePerSec: 1_865, networkPerSec: 1_760 };

export function checkGoals(lines: Line[], emit: Emit): void {
  const find = (pred: (l: Line) => boolean) => lines.filter(pred);
  const hc = find((l) => l.bench === 'hypercore.side-by-side' && l.impl === 'hypercore' && l.mode === 'batched')[0]?.recordsPerSec?.median as number | undefined;
  const goal = (name: string, value: number | undefined, target: number, atMost = false) => {
    if (value === undefined || !Number.isFinite(value)) return;
    const v = Math.round(value * 100) / 100;
    emit({ bench: 'goal', goal: name, value: v, target: `${atMost ? '<=' : '>='} ${target}`, met: atMost ? v <= target : v >= target });
  };
  const max = (xs: Line[], k: string) => (xs.length ? Math.max(...xs.map((l) => l[k] as number)) : undefined);
  const ratio = (x: number | undefined) => (x === undefined || hc === undefined ? undefined : x / hc);

  goal('in-process durable records/s / Hypercore batched', find((l) => l.bench === 'hypercore.ratio' && l.mode === 'batched')[0]?.recordsPerSec, 1.0);
  goal('HTTP batch API records/s / Hypercore batched', ratio(max(find((l) => l.bench === 'ingest.http.batch'), 'recordsPerSec')), 0.7);
  goal('Profichain 1 KiB records/s / Hypercore batched', ratio(max(find((l) => l.bench === 'ingest.profichain' && l.payloadBytes === 1024 && !l.tier1), 'recordsPerSec')), 0.7);
  goal(`one record per HTTP request, records/s / today (${TODAY.httpSinglePerSec})`, (max(find((l) => l.bench === 'ingest.http.single'), 'recordsPerSec') ?? NaN) / TODAY.httpSinglePerSec, 3);
  for (const l of find((x) => x.bench === 'bytes.per-record')) goal(`bytes written per 1 KiB record, ${l.chain} chain`, l.writeBytesPerRecord, 4096, true);
  for (const l of find((x) => x.bench === 'latency.half-load')) goal(`receipt latency p99 ms at half load, ${l.api}`, l.receiptLatencyMsP99, 20, true);
  goal(`network records/s on all chains / today (${TODAY.networkPerSec})`, (max(find((l) => l.bench === 'network'), 'recordsPerSecOnAllChains') ?? NaN) / TODAY.networkPerSec, 4);
  const growth = find((l) => l.bench === 'bytes.cost-growth')[0];
  if (growth) {
    goal('ingest rate filled / fresh chain', growth.recordsPerSec, 0.8);
    goal('cold proof time filled / fresh chain', growth.proofColdUsP50, 1.2, true);
  }
  goal('urchain verify start-up / node -e 0', find((l) => l.bench === 'startup' && String(l.command).startsWith('urchain verify'))[0]?.timesNode, 2, true);
}
