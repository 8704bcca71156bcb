/**
 * @module io/metrics
 * A small metrics registry (counter, gauge, histogram) rendered in the Prometheus text
 * exposition format, version 0.0.4: `# HELP` and `# TYPE` lines, then one sample per line,
 * label values escaped (\\, \", \n) and HELP text escaped (\\, \n) as that format says.
 *
 * Counting must cost the hot path nothing: a counter is a number that `inc` adds to, a histogram
 * `observe` is one search of a short, sorted bucket list (the cumulative counts are summed only
 * when the text is rendered), and values that exist elsewhere anyway (the pending pool's size,
 * the head height) are gauges read by a callback at scrape time, never kept up to date here.
 */

/** Label names and values of one sample, e.g. {what: "records"}. */
export type Labels = Record<string, string>;

/** The Content-Type of the text format. */
export const METRICS_CONTENT_TYPE = 'text/plain; version=0.0.4; charset=utf-8';

const NAME_RE = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;
const LABEL_RE = /^[a-zA-Z_][a-zA-Z0-9_]*$/;

/** Default latency buckets in seconds: 1 ms to 10 s, about three a decade. */
const LATENCY_BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

const escapeHelp = (s: string) => s.replace(/\\/g, '\\\\').replace(/\n/g, '\\n');
const escapeLabel = (s: string) => s.replace(/\\/g, '\\\\').replace(/\n/g, '\\n').replace(/"/g, '\\"');

/** A sample value as the format writes it (Go's ParseFloat forms: +Inf, -Inf, NaN). */
export function formatValue(v: number): string {
  if (Number.isNaN(v)) return 'NaN';
  if (v === Infinity) return '+Inf';
  if (v === -Infinity) return '-Inf';
  return String(v);
}

function labelText(l: Labels | undefined, extra?: [string, string]): string {
  const pairs = Object.entries(l ?? {});
  if (extra) pairs.push(extra);
  return pairs.length ? `{${pairs.map(([k, v]) => `${k}="${escapeLabel(v)}"`).join(',')}}` : '';
}

/** Labels as a map key: children of one metric are kept per distinct label set. */
const keyOf = (l: Labels) => JSON.stringify(Object.entries(l).sort(([a], [b]) => (a < b ? -1 : 1)));

interface Metric {
  readonly name: string;
  readonly help: string;
  readonly type: 'counter' | 'gauge' | 'histogram';
  samples(): string[];
}

/** Checks names once, at registration, so rendering never has to. */
function checkNames(name: string, labels: Labels | undefined) {
  if (!NAME_RE.test(name)) throw new TypeError(`metric name ${JSON.stringify(name)} is not a Prometheus metric name`);
  for (const k of Object.keys(labels ?? {}))
    if (!LABEL_RE.test(k) || k.startsWith('__') || k === 'le') throw new TypeError(`label name ${JSON.stringify(k)} is not allowed`);
}

/** A value that only goes up (resets with the process). */
export class Counter implements Metric {
  readonly type = 'counter';
  private children = new Map<string, { labels: Labels; value: number }>();
  private own = 0;
  constructor(
    readonly name: string,
    readonly help: string,
    /** Counted by label set only: no unlabelled sample (it would vanish at the first labelled one). */
    private readonly labelled = false,
  ) {}
  inc(n = 1): void {
    this.own += n;
  }
  /** The counter of one label set, made on first use; keep it for the hot path. */
  labels(l: Labels): { inc(n?: number): void } {
    checkNames(this.name, l);
    const k = keyOf(l);
    let c = this.children.get(k);
    if (!c) this.children.set(k, (c = { labels: { ...l }, value: 0 }));
    const child = c;
    return { inc: (n = 1) => void (child.value += n) };
  }
  get value(): number {
    return this.own;
  }
  samples(): string[] {
    if (!this.children.size) return this.labelled ? [] : [`${this.name} ${formatValue(this.own)}`];
    return [...this.children.values()].map((c) => `${this.name}${labelText(c.labels)} ${formatValue(c.value)}`);
  }
}

/** A value read when the metrics are scraped: one number, or one per label set. */
export type GaugeRead = () => number | undefined | [Labels, number][];

/**
 * A gauge, or a counter kept elsewhere (CPU seconds, bans so far), read at scrape time. A read
 * that throws (a part that is closing) leaves its samples out rather than failing the scrape.
 */
export class Gauge implements Metric {
  constructor(
    readonly name: string,
    readonly help: string,
    private readonly read: GaugeRead,
    readonly type: 'gauge' | 'counter' = 'gauge',
  ) {}
  samples(): string[] {
    let v: ReturnType<GaugeRead>;
    try {
      v = this.read();
    } catch {
      return [];
    }
    if (v === undefined) return [];
    if (typeof v === 'number') return [`${this.name} ${formatValue(v)}`];
    return v.map(([l, x]) => `${this.name}${labelText(l)} ${formatValue(x)}`);
  }
}

/** Counts of observations per upper bound, their sum and number (buckets cumulative when rendered). */
class Buckets {
  readonly counts: number[];
  sum = 0;
  count = 0;
  constructor(readonly bounds: number[]) {
    this.counts = new Array(bounds.length).fill(0);
  }
  observe(v: number): void {
    // Binary search for the first bound >= v (le is "less than or equal").
    let lo = 0;
    let hi = this.bounds.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (this.bounds[mid] < v) lo = mid + 1;
      else hi = mid;
    }
    if (lo < this.counts.length) this.counts[lo]++;
    this.sum += v;
    this.count++;
  }
}

export class Histogram implements Metric {
  readonly type = 'histogram';
  private children = new Map<string, { labels: Labels; b: Buckets }>();
  private readonly bounds: number[];
  constructor(
    readonly name: string,
    readonly help: string,
    bounds: number[] = LATENCY_BUCKETS,
  ) {
    this.bounds = [...bounds].sort((a, b) => a - b).filter((x) => x !== Infinity);
    if (new Set(this.bounds).size !== this.bounds.length || this.bounds.some((x) => Number.isNaN(x))) throw new TypeError(`${name}: bucket bounds must be distinct numbers`);
  }
  /** Observes one value (seconds, bytes: base units) in the histogram without labels. */
  observe(v: number): void {
    this.labels({}).observe(v);
  }
  /** The histogram of one label set, made on first use; keep it for the hot path. */
  labels(l: Labels): { observe(v: number): void } {
    const k = keyOf(l);
    let c = this.children.get(k);
    if (!c) {
      checkNames(this.name, l);
      this.children.set(k, (c = { labels: { ...l }, b: new Buckets(this.bounds) }));
    }
    return c.b;
  }
  samples(): string[] {
    const out: string[] = [];
    const children = this.children.size ? this.children.values() : [{ labels: {}, b: new Buckets(this.bounds) }];
    for (const { labels, b } of children) {
      let cum = 0;
      b.bounds.forEach((le, i) => {
        cum += b.counts[i];
        out.push(`${this.name}_bucket${labelText(labels, ['le', formatValue(le)])} ${cum}`);
      });
      out.push(`${this.name}_bucket${labelText(labels, ['le', '+Inf'])} ${b.count}`);
      out.push(`${this.name}_sum${labelText(labels)} ${formatValue(b.sum)}`);
      out.push(`${this.name}_count${labelText(labels)} ${b.count}`);
    }
    return out;
  }
}

export class Registry {
  private metrics = new Map<string, Metric>();

  private add<T extends Metric>(m: T): T {
    checkNames(m.name, undefined);
    if (this.metrics.has(m.name)) throw new TypeError(`metric ${m.name} is registered twice`);
    this.metrics.set(m.name, m);
    return m;
  }
  counter(name: string, help: string, o: { labelled?: boolean } = {}): Counter {
    return this.add(new Counter(name, help, o.labelled));
  }
  gauge(name: string, help: string, read: GaugeRead): Gauge {
    return this.add(new Gauge(name, help, read));
  }
  /** A counter whose value lives elsewhere and only goes up (read at scrape time). */
  counterOf(name: string, help: string, read: GaugeRead): Gauge {
    return this.add(new Gauge(name, help, read, 'counter'));
  }
  histogram(name: string, help: string, bounds?: number[]): Histogram {
    return this.add(new Histogram(name, help, bounds));
  }

  /** The usual process metrics (names as Prometheus client libraries write them). */
  processMetrics(): void {
    const started = Math.round(Date.now() / 1000 - process.uptime());
    this.gauge('process_start_time_seconds', 'Start time of the process since the Unix epoch in seconds.', () => started);
    this.gauge('process_resident_memory_bytes', 'Resident memory size in bytes.', () => process.memoryUsage.rss());
    this.counterOf('process_cpu_seconds_total', 'Total user and system CPU time spent in seconds.', () => {
      const u = process.cpuUsage();
      return (u.user + u.system) / 1e6;
    });
  }

  /** The text exposition of every metric, in registration order. */
  render(): string {
    const lines: string[] = [];
    for (const m of this.metrics.values()) {
      lines.push(`# HELP ${m.name} ${escapeHelp(m.help)}`, `# TYPE ${m.name} ${m.type}`, ...m.samples());
    }
    return lines.join('\n') + '\n';
  }
}
