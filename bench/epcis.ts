/**
 * `npm run bench -- --only epcis`: EPCIS events per second, (1) turned into records in this
 * process (parse, validate, CBV 2.0 hash id, identifier keys) and (2) taken in end to end by a
 * real node through `ingest epcis`'s code path (batch endpoint, durable receipts), then audited.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { epcisRecords } from '../src/epcis/record.js';
import { sendEpcis } from '../src/epcis/send.js';
import { NodeClient } from '../src/io/nodeClient.js';
import { LmdbStore } from '../src/store/lmdb.js';
import { audit } from '../src/node/audit.js';
import { startNode, BENCH_EVENTS } from '../support/children.js';

/** An EPCISDocument of `n` ObjectEvents, each naming four serialised items, a read point and a location. */
export function epcisDocument(n: number, from = 0): string {
  const events = Array.from({ length: n }, (_, k) => {
    const i = from + k;
    return {
      type: 'ObjectEvent',
      eventTime: new Date(Date.UTC(2024, 0, 1) + i * 1000).toISOString().replace('Z', '+00:00'),
      eventTimeZoneOffset: '+00:00',
      epcList: [0, 1, 2, 3].map((j) => `urn:epc:id:sgtin:4012345.011111.${i * 4 + j}`),
      action: 'OBSERVE',
      bizStep: i % 2 ? 'shipping' : 'receiving',
      disposition: 'in_transit',
      readPoint: { id: `urn:epc:id:sgln:4012345.00001.${i % 50}` },
      bizLocation: { id: 'urn:epc:id:sgln:4012345.00001.0' },
      'example:station': `S-${i % 7}`,
    };
  });
  return JSON.stringify(
    { '@context': ['https://ref.gs1.org/standards/epcis/2.0.0/epcis-context.jsonld', { example: 'https://ns.example.com/epcis/' }], type: 'EPCISDocument', schemaVersion: '2.0', creationDate: '2024-01-01T00:00:00Z', epcisBody: { eventList: events } },
    null,
    1,
  );
}

export async function epcisBench(emit: (o: Record<string, unknown>) => void, seconds: number): Promise<void> {
  const doc = epcisDocument(5000);
  let t = performance.now();
  let n = 0;
  while (performance.now() - t < seconds * 1000) n += epcisRecords(doc).results.length;
  const secs = (performance.now() - t) / 1000;
  emit({ bench: 'epcis.prepare', eventsPerDocument: 5000, documentBytes: doc.length, events: n, eventsPerSec: Math.round(n / secs) });

  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'urchain-bench-epcis-'));
  const data = path.join(dir, 'data');
  const node = await startNode(data, ['--block-time', '1s'], { events: BENCH_EVENTS });
  const client = new NodeClient(node.url);
  const total = { events: 0, stored: 0, secs: 0 };
  try {
    // Documents of 2,000 events, one after the other, as an export job would send them.
    const end = performance.now() + seconds * 1000;
    for (let k = 0; performance.now() < end; k++) {
      const d = epcisDocument(2000, k * 2000);
      t = performance.now();
      const sum = await sendEpcis(d, { submit: async (recs) => (await client.submitBatch(recs)).receipts, chunk: 500 });
      total.secs += (performance.now() - t) / 1000;
      total.events += sum.events;
      total.stored += sum.stored;
    }
    await node.drained(600_000);
  } finally {
    await client.close();
    await node.stop();
  }
  emit({ bench: 'epcis.ingest', eventsPerDocument: 2000, recordsPerRequest: 500, events: total.events, stored: total.stored, eventsPerSec: Math.round(total.events / total.secs) });
  const store = await LmdbStore.open(data, { readOnly: true });
  const a = audit(store);
  emit({ bench: 'epcis.audit', auditOk: a.ok, transactions: a.transactions, locationRows: store.productTxs('https://id.gs1.org/414/4012345000016').length });
  await store.close();
  fs.rmSync(dir, { recursive: true, force: true });
}
