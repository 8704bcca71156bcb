/**
 * sendEpcis with a stand-in node: outcomes in input order although chunks overlap, refusals in
 * their place, a node's CONFLICT on an event's hash key reported as a duplicate, other errors as
 * failed, and the summary.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { sendEpcis, type EventOutcome } from '../../src/epcis/send.js';
import type { RecordInput } from '../../src/contracts/records.js';

const ev = (i: number, o: object = {}) => ({ type: 'ObjectEvent', eventTime: '2024-05-01T10:00:00Z', eventTimeZoneOffset: '+00:00', action: 'OBSERVE', epcList: [`urn:epc:id:sgtin:4012345.011111.${i}`], ...o });

test('outcomes in input order, refusals in place, conflicts as duplicates, errors as failed', async () => {
  const events = [ev(0), ev(1), ev(2, { action: 'NOPE' }), ev(3), ev(4), ev(5), ev(6, { eventTime: 'x' }), ev(7)];
  const doc = JSON.stringify({ type: 'EPCISDocument', epcisBody: { eventList: events } });
  let calls = 0;
  const seen: string[][] = [];
  const submit = async (recs: RecordInput[]) => {
    const n = calls++;
    seen.push(recs.map((r) => (r.meta as Record<string, string>)['id.0000']));
    // the first chunk answers last: the report must wait for it
    await new Promise((r) => setTimeout(r, n === 0 ? 50 : 1));
    return recs.map((r) => {
      const serial = (r.meta as Record<string, string>)['id.0000'].split('/').pop();
      if (serial === '4') return { error: { code: 'CONFLICT', message: 'other bytes', txId: 'aa' } };
      if (serial === '5') return { error: { code: 'STORE', message: 'disk full' } };
      return { txId: `tx${serial}`, ...(serial === '7' ? { duplicate: true as const } : {}) };
    });
  };
  const out: EventOutcome[] = [];
  const sum = await sendEpcis(doc, { submit, chunk: 2, onOutcome: (o) => out.push(o) });
  assert.equal(out.map((o) => [o.index, o.status, o.txId ?? o.error?.path ?? o.error?.code]), [
    [0, 'stored', 'tx0'],
    [1, 'stored', 'tx1'],
    [2, 'refused', '$.epcisBody.eventList[2].action'],
    [3, 'stored', 'tx3'],
    [4, 'duplicate', 'aa'],
    [5, 'failed', 'STORE'],
    [6, 'refused', '$.epcisBody.eventList[6].eventTime'],
    [7, 'duplicate', 'tx7'],
  ]);
  assert.equal(sum, { events: 8, stored: 3, duplicates: 2, refused: 2, failed: 1 });
  assert.is(seen.length, 4); // [0,1] [3,4] [5] [7]
  assert.is(out[0].identifiers![0], 'https://id.gs1.org/01/04012345111118/21/0');
  const warnings: string[] = [];
  await sendEpcis(JSON.stringify({ '@context': ['https://ref.gs1.org/standards/epcis/2.0.0/epcis-context.jsonld', 'https://example.com/my-context.jsonld'], type: 'EPCISDocument', epcisBody: { eventList: [] } }), { submit, onWarning: (w) => warnings.push(w) });
  assert.equal(warnings.length, 1);
  assert.match(warnings[0], /https:\/\/example\.com\/my-context\.jsonld is not fetched/);
  // a submit that throws fails its chunk, not the run
  const s2 = await sendEpcis(JSON.stringify(ev(9)), { submit: async () => Promise.reject(Object.assign(new Error('node gone'), { code: 'UNAVAILABLE' })) });
  assert.equal(s2, { events: 1, stored: 0, duplicates: 0, refused: 0, failed: 1 });
});

test.run();
