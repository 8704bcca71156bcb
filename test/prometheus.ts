/**
 * The Prometheus text format as a scraper reads it: parse-prometheus-text-format (a dev
 * dependency, no type declarations of its own, so it is typed here), and checks every test of
 * /metrics applies: each family has HELP and TYPE, histograms are cumulative and end in +Inf.
 */
import { createRequire } from 'node:module';
import * as assert from 'uvu/assert';

export interface Sample {
  value?: string;
  labels?: Record<string, string>;
  buckets?: Record<string, string>;
  count?: string;
  sum?: string;
}
export interface Family {
  name: string;
  help: string;
  type: 'COUNTER' | 'GAUGE' | 'HISTOGRAM' | 'SUMMARY' | 'UNTYPED';
  metrics: Sample[];
}

export const parsePrometheus = createRequire(import.meta.url)('parse-prometheus-text-format') as (text: string) => Family[];

/** Parses `text` and checks the conventions; returns the families by name. */
export function scrapeText(text: string): Map<string, Family> {
  const families = parsePrometheus(text);
  const byName = new Map<string, Family>();
  for (const f of families) {
    assert.not.ok(byName.has(f.name), `${f.name} appears twice`);
    byName.set(f.name, f);
    assert.ok(f.help.length > 0, `${f.name} has no HELP`);
    assert.ok(f.type !== 'UNTYPED', `${f.name} has no TYPE`);
    if (f.type === 'COUNTER') assert.match(f.name, /_total$/, `counter ${f.name} does not end in _total`);
    if (f.type === 'HISTOGRAM') for (const s of f.metrics) checkHistogram(f.name, s);
  }
  return byName;
}

/** Buckets with numeric bounds, cumulative (never decreasing), the last one +Inf and equal to the count. */
export function checkHistogram(name: string, s: Sample): void {
  // Sorted by bound here: the parser keeps buckets in an object, whose key order puts "1" first.
  const entries = Object.entries(s.buckets ?? {})
    .map(([le, n]) => [le === '+Inf' ? Infinity : Number(le), Number(n)] as const)
    .sort((a, b) => a[0] - b[0]);
  assert.ok(entries.length > 1, `${name}: no buckets`);
  assert.ok(entries.every(([le]) => !Number.isNaN(le)), `${name}: a bucket bound is not a number`);
  for (let i = 1; i < entries.length; i++) {
    assert.ok(entries[i][1] >= entries[i - 1][1], `${name}: bucket le=${entries[i][0]} (${entries[i][1]}) below le=${entries[i - 1][0]} (${entries[i - 1][1]})`);
  }
  const last = entries[entries.length - 1];
  assert.is(last[0], Infinity, `${name}: the last bucket is not +Inf`);
  assert.is(last[1], Number(s.count), `${name}: +Inf bucket differs from _count`);
}

/** The value of a counter or gauge family (its one sample, or the one whose labels match). */
export function valueOf(families: Map<string, Family>, name: string, labels: Record<string, string> = {}): number {
  const f = families.get(name);
  assert.ok(f, `no metric ${name}`);
  const s = f!.metrics.find((m) => Object.entries(labels).every(([k, v]) => m.labels?.[k] === v));
  assert.ok(s, `${name}: no sample with ${JSON.stringify(labels)}`);
  return Number(s!.value);
}
