/**
 * Batch ingest (src/ingest/batch): JSON lines are checked whole, line numbers in every error;
 * batches are cut by count and bytes; outcomes come back in input order; a batch refused as too
 * large is split in halves; once the node is unreachable nothing more is sent.
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { parseJsonLines, parseBatchInput, withDefaults, chunk, sendInBatches, isCborArray, MAX_BATCH_SIZE, type Outcome } from '../../src/ingest/batch.js';
import { encodeBatch } from '../../src/io/batchBody.js';
import { decodeBatch, MAX_BATCH_RECORDS } from '../../src/node/api.js';
import { UrchainError } from '../../src/errors.js';
import type { RecordInput } from '../../src/contracts/records.js';

const B = suite('ingest batch');
const text = (r: RecordInput) => Buffer.from(r.payload).toString();

B('JSON lines: payload (base64) or text, kind, meta, key, product; blank lines skipped', () => {
  const recs = parseJsonLines('{"text":"a","key":"k1"}\n\n{"payload":"aGVsbG8=","kind":"reading","meta":{"unit":"bar"},"product":"SN-1"}\n');
  assert.is(recs.length, 2);
  assert.is(text(recs[0]), 'a');
  assert.is(recs[0].idemKey, 'k1');
  assert.is(text(recs[1]), 'hello');
  assert.equal(recs[1].meta, { unit: 'bar', product: 'SN-1' });
  assert.is(recs[1].kind, 'reading');
});

B('JSON lines: a bad line names its number; nothing is returned', () => {
  const bad = (s: string, re: RegExp) => assert.throws(() => parseJsonLines(s), (e: UrchainError) => e.code === 'BAD_INPUT' && re.test(e.message));
  bad('{"text":"a"}\n{"txt":"b"}', /line 2: unknown field "txt"/);
  bad('{"text":"a"}\n\nnot json', /line 3: not JSON/);
  bad('{"text":"a","payload":"YQ=="}', /line 1: give exactly one of payload \(base64\) or text/);
  bad('{"payload":"***"}', /line 1: payload: expected base64/);
  bad('{"text":"a","meta":{"n":1}}', /line 1: meta.n: expected a string/);
  bad('\n\n', /no records in the input/);
});

B('a CBOR array is the batch API body, decoded by its decoder; defaults go under each record', () => {
  const body = encodeBatch([{ payload: Buffer.from('x'), kind: 'scan', meta: { a: '1' } }, { payload: Buffer.from('y') }]);
  assert.ok(isCborArray(body));
  const recs = withDefaults(parseBatchInput(body, decodeBatch), 'reading', { machine: 'm1', a: '0' });
  assert.equal(recs.map((r) => [text(r), r.kind, r.meta]), [
    ['x', 'scan', { machine: 'm1', a: '1' }],
    ['y', 'reading', { machine: 'm1', a: '0' }],
  ]);
  assert.throws(() => parseBatchInput(new Uint8Array([0xff, 0xfe]), decodeBatch), /neither a CBOR array nor UTF-8/);
});

B('the largest --batch-size is what the batch API takes', () => {
  assert.is(MAX_BATCH_SIZE, MAX_BATCH_RECORDS);
});

B('chunk: by count and by bytes; a large item alone', () => {
  const sizes = [1, 1, 1, 10, 1, 1];
  assert.equal(chunk(sizes, 2, 5, (x) => x), [[1, 1], [1], [10], [1, 1]]);
});

const recs = (n: number, bytes = 10) => Array.from({ length: n }, (_, i) => ({ payload: Buffer.alloc(bytes, i % 256), meta: { i: String(i) } }));
const idx = (r: RecordInput) => Number((r.meta as Record<string, string>).i);

B('sendInBatches: outcomes in input order, streamed batch by batch in order, several in flight', async () => {
  const sent: number[] = [];
  let open = 0;
  let most = 0;
  const send = async (b: RecordInput[]): Promise<Outcome<number>[]> => {
    open++;
    most = Math.max(most, open);
    sent.push(b.length);
    await new Promise((r) => setTimeout(r, b.length === 3 ? 30 : 1)); // the first batch answers last
    open--;
    return b.map((r) => (idx(r) === 4 ? { error: UrchainError.CONFLICT('four') } : { receipt: idx(r) }));
  };
  const seen: number[] = [];
  const out = await sendInBatches(send, recs(3 + 4 * 2), { size: 4, inFlight: 3 }, (first, os) => os.forEach((o, i) => seen.push(first + i)));
  assert.equal(sent.slice().sort(), [3, 4, 4]);
  assert.ok(most >= 2, 'batches in flight together');
  assert.equal(seen, [...Array(11).keys()]);
  assert.equal(out.map((o) => o.receipt ?? o.error!.code), [0, 1, 2, 3, 'CONFLICT', 5, 6, 7, 8, 9, 10]);
});

B('sendInBatches: TOO_LARGE splits the batch in halves; UNAVAILABLE stops the rest unsent', async () => {
  const sizes: number[] = [];
  const out = await sendInBatches(
    async (b) => {
      sizes.push(b.length);
      if (b.length > 2) throw UrchainError.TOO_LARGE('body too large');
      return b.map((r) => ({ receipt: idx(r) }));
    },
    recs(8),
    { size: 8, inFlight: 1 },
  );
  assert.equal(sizes, [8, 4, 2, 2, 4, 2, 2]);
  assert.equal(out.map((o) => o.receipt), [0, 1, 2, 3, 4, 5, 6, 7]);
  let calls = 0;
  const down = await sendInBatches(
    async () => {
      calls++;
      throw UrchainError.UNAVAILABLE('cannot reach the node');
    },
    recs(6),
    { size: 2, inFlight: 1 },
  );
  assert.is(calls, 1);
  assert.ok(down.every((o) => o.error?.code === 'UNAVAILABLE'));
});

B.run();
