/**
 * The metrics registry renders the Prometheus text format 0.0.4 that a real parser reads back:
 * HELP and label escaping, histogram buckets (le is "less than or equal", cumulative on output),
 * special values, and names checked when a metric is registered.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { Registry, formatValue } from '../../src/io/metrics.js';
import { scrapeText, valueOf } from '../prometheus.js';

test('counters, labelled counters and gauges render and parse back, escapes included', () => {
  const r = new Registry();
  const c = r.counter('t_events_total', 'Events with a \\ backslash\nand a newline.');
  c.inc();
  c.inc(2);
  const l = r.counter('t_requests_total', 'By route.');
  const odd = l.labels({ route: 'a "quoted" \\ path\nwith a newline' });
  odd.inc();
  odd.inc();
  l.labels({ route: 'plain' }).inc(5);
  r.gauge('t_depth', 'Per network.', () => [
    [{ network: 'x' }, 3],
    [{ network: 'y' }, 0],
  ]);
  r.gauge('t_absent', 'Not known yet.', () => undefined);
  r.gauge('t_broken', 'A read that throws is left out.', () => {
    throw new Error('closing');
  });
  const text = r.render();
  assert.match(text, /^# HELP t_events_total Events with a \\\\ backslash\\nand a newline\.$/m);
  assert.match(text, /^t_requests_total\{route="a \\"quoted\\" \\\\ path\\nwith a newline"\} 2$/m);
  const f = scrapeText(text);
  assert.is(f.get('t_events_total')!.help, 'Events with a \\ backslash\nand a newline.');
  assert.is(valueOf(f, 't_events_total'), 3);
  assert.is(valueOf(f, 't_requests_total', { route: 'a "quoted" \\ path\nwith a newline' }), 2);
  assert.is(valueOf(f, 't_requests_total', { route: 'plain' }), 5);
  assert.is(valueOf(f, 't_depth', { network: 'x' }), 3);
  assert.is(f.get('t_absent')!.metrics.length, 0);
  assert.is(f.get('t_broken')!.metrics.length, 0);
});

test('a labelled counter shows no unlabelled sample before its first label set (it would vanish then)', () => {
  const r = new Registry();
  const c = r.counter('t_by_route_total', 'By route.', { labelled: true });
  assert.not.match(r.render(), /^t_by_route_total /m);
  c.labels({ route: '/a' }).inc();
  assert.match(r.render(), /^t_by_route_total\{route="\/a"\} 1$/m);
  const plain = r.counter('t_plain_total', 'Plain.');
  assert.ok(plain && /^t_plain_total 0$/m.test(r.render()), 'an unlabelled counter shows its 0');
});

test('a histogram counts a value equal to a bound in that bucket, renders cumulative buckets, +Inf, sum and count', () => {
  const r = new Registry();
  const h = r.histogram('t_latency_seconds', 'Latency.', [0.5, 0.1, 1]); // given unsorted on purpose
  for (const v of [0.05, 0.1, 0.1000001, 0.5, 2, 30]) h.observe(v);
  const text = r.render();
  assert.match(text, /^t_latency_seconds_bucket\{le="0\.1"\} 2$/m);
  assert.match(text, /^t_latency_seconds_bucket\{le="0\.5"\} 4$/m);
  assert.match(text, /^t_latency_seconds_bucket\{le="1"\} 4$/m);
  assert.match(text, /^t_latency_seconds_bucket\{le="\+Inf"\} 6$/m);
  const s = scrapeText(text).get('t_latency_seconds')!.metrics[0];
  assert.is(Number(s.count), 6);
  assert.ok(Math.abs(Number(s.sum) - 32.7500001) < 1e-9);
  // Before any observation: zero buckets, still a complete series.
  const empty = new Registry();
  empty.histogram('t_empty_seconds', 'Nothing yet.');
  assert.is(Number(scrapeText(empty.render()).get('t_empty_seconds')!.metrics[0].count), 0);
});

test('special values; bad names and a second registration are refused at registration', () => {
  assert.is(formatValue(Infinity), '+Inf');
  assert.is(formatValue(-Infinity), '-Inf');
  assert.is(formatValue(NaN), 'NaN');
  assert.is(formatValue(1e21), '1e+21');
  const r = new Registry();
  assert.throws(() => r.counter('bad-name_total', 'x'), /not a Prometheus metric name/);
  r.counter('ok_total', 'x');
  assert.throws(() => r.counter('ok_total', 'x'), /registered twice/);
  assert.throws(() => r.counter('l_total', 'x').labels({ le: '1' }), /not allowed/);
  assert.throws(() => r.histogram('h_seconds', 'x', [1, 1]), /distinct/);
});

test.run();
