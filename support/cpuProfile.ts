/**
 * Summarises a V8 `.cpuprofile` (from `node --cpu-prof`, or support/cpuProfiled.ts): the top
 * functions by self time and the share of each area of the write path (lmdb, sha256/crypto, cbor,
 * gc, http/json, node events on stdout, idle …), as one JSON object. Used by `npm run bench --
 * --only profile` and `npm run profile -- FILE.cpuprofile`.
 *
 * A native function (no script URL: a binding such as lmdb's writeInstructions, OpenSSL's hash,
 * JSON.stringify) counts towards the area of the JavaScript that called it, so "lmdb" includes
 * the time spent inside lmdb-js's native code called from the JS thread.
 */
import fs from 'node:fs';

/** Node's own helpers (Buffer, streams, sockets, timers): counted towards their caller's area. */
const GENERIC = 'node.js (other)';

interface CallFrame {
  functionName: string;
  url: string;
  lineNumber: number;
}
interface ProfileNode {
  id: number;
  callFrame: CallFrame;
  children?: number[];
}
interface CpuProfile {
  nodes: ProfileNode[];
  startTime: number;
  endTime: number;
  samples: number[];
  timeDeltas: number[];
}

/** Areas in the order they are tested: the first whose test matches a frame's URL wins. */
const AREAS: [string, (url: string) => boolean][] = [
  ['lmdb', (u) => /node_modules\/lmdb\/|\/dist\/src\/store\//.test(u)],
  ['sha256/crypto', (u) => /internal\/crypto|node:crypto|\/dist\/src\/crypto\/|\/dist\/src\/merkle\/|@noble\//.test(u)],
  ['cbor', (u) => /cbor-x|cbor-extract|\/dist\/src\/codec\//.test(u)],
  ['http/json', (u) => /undici|_http_|internal\/http|node:http|\/dist\/src\/node\/api|\/dist\/src\/node\/routes|\/dist\/src\/io\/http/.test(u)],
  ['node events on stdout (--json)', (u) => /\/dist\/commands\//.test(u)],
  ['urchain (other)', (u) => /\/dist\/src\//.test(u)],
  [GENERIC, (u) => /^node:|^internal\//.test(u)],
];

/** Pseudo-frames V8 reports for time outside JavaScript functions. */
const SPECIAL = new Map([
  ['(idle)', 'idle'],
  ['(garbage collector)', 'gc'],
  ['(program)', 'program (V8, not attributed)'],
  ['(root)', 'program (V8, not attributed)'],
]);
const SPECIAL_AREAS = new Set(SPECIAL.values());

export interface ProfileSummary {
  profile: string;
  durationMs: number;
  samples: number;
  /** Share of the wall time the main thread was not idle. */
  busyShare: number;
  /** Per area: ms of self time and share of the busy (non-idle) time; idle's share is of the whole. */
  areas: Record<string, { ms: number; share: number }>;
  top: { function: string; where: string; area: string; selfMs: number; share: number }[];
}

export function summariseProfile(file: string, topN = 15): ProfileSummary {
  const p = JSON.parse(fs.readFileSync(file, 'utf8')) as CpuProfile;
  const byId = new Map(p.nodes.map((n) => [n.id, n]));
  const parent = new Map<number, number>();
  for (const n of p.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  // A node's area: its own frame's; or, for native code (no URL) and Node's generic helpers
  // (Buffer, streams, sockets), its nearest caller's, so a socket write made for an HTTP reply is
  // http/json and one made for a stdout event line is an event's.
  const areaMemo = new Map<number, string>();
  const areaOf = (id: number): string => {
    const hit = areaMemo.get(id);
    if (hit) return hit;
    const f = byId.get(id)!.callFrame;
    let a = f.url ? undefined : SPECIAL.get(f.functionName);
    if (!a) {
      const own = f.url ? (AREAS.find(([, test]) => test(f.url))?.[0] ?? 'other') : undefined;
      const up = own === undefined || own === GENERIC ? parent.get(id) : undefined;
      const inherited = up === undefined ? undefined : areaOf(up);
      a = inherited !== undefined && !SPECIAL_AREAS.has(inherited) ? inherited : (own ?? 'other');
    }
    areaMemo.set(id, a);
    return a;
  };
  // Self time: each sample lasts until the next one.
  const self = new Map<number, number>();
  for (let i = 0; i < p.samples.length; i++) {
    const dt = (p.timeDeltas[i + 1] ?? 0) / 1000;
    self.set(p.samples[i], (self.get(p.samples[i]) ?? 0) + dt);
  }
  const at = (f: CallFrame) => `${shortUrl(f.url)}:${f.lineNumber + 1}`;
  // A native frame says little by itself ("(anonymous)"): name the nearest caller with a URL.
  const nativeWhere = (id: number): string => {
    for (let up = parent.get(id); up !== undefined; up = parent.get(up)) {
      const f = byId.get(up)!.callFrame;
      if (f.url) return `(native, called from ${f.functionName || '(anonymous)'} ${at(f)})`;
    }
    return '(native)';
  };
  const total = (p.endTime - p.startTime) / 1000;
  const areas = new Map<string, number>();
  const fns = new Map<string, { function: string; where: string; area: string; selfMs: number }>();
  for (const [id, ms] of self) {
    const f = byId.get(id)!.callFrame;
    const area = areaOf(id);
    areas.set(area, (areas.get(area) ?? 0) + ms);
    const where = f.url ? at(f) : nativeWhere(id);
    const key = `${f.functionName}@${where}@${area}`;
    const e = fns.get(key) ?? { function: f.functionName || '(anonymous)', where, area, selfMs: 0 };
    e.selfMs += ms;
    fns.set(key, e);
  }
  const idle = areas.get('idle') ?? 0;
  const busy = Math.max(1e-9, total - idle);
  const r1 = (x: number) => Math.round(x * 10) / 10;
  const r3 = (x: number) => Math.round(x * 1000) / 1000;
  return {
    profile: file,
    durationMs: Math.round(total),
    samples: p.samples.length,
    busyShare: r3(busy / total),
    areas: Object.fromEntries(
      [...areas.entries()].sort((a, b) => b[1] - a[1]).map(([a, ms]) => [a, { ms: Math.round(ms), share: r3(a === 'idle' ? ms / total : ms / busy) }]),
    ),
    top: [...fns.values()]
      .filter((f) => f.area !== 'idle')
      .sort((a, b) => b.selfMs - a.selfMs)
      .slice(0, topN)
      .map((f) => ({ ...f, selfMs: r1(f.selfMs), share: r3(f.selfMs / busy) })),
  };
}

/** A URL without the machine's folders: `node_modules/lmdb/write.js`, `dist/src/node/intake.js`. */
function shortUrl(url: string): string {
  const u = url.replace(/^file:\/\//, '');
  const nm = u.lastIndexOf('node_modules/');
  if (nm >= 0) return u.slice(nm);
  const d = u.indexOf('/dist/');
  return d >= 0 ? u.slice(d + 1) : u;
}
