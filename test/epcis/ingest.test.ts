/**
 * `urchain ingest epcis` and `urchain trace` end to end, with a real node: the standard's
 * published examples and the reference implementation's examples (every event type) go in, one
 * record per event with the event's bytes as payload, and come out by trace under every
 * identifier they name, in the form written and in the other (EPC URN <-> Digital Link); hash
 * ids equal the published ones; invalid events are refused with their JSON path while the others
 * go in; an event already in the chain is a duplicate, however it is written; Profichain too.
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import fs from 'node:fs';
import path from 'node:path';
import { root, tmpDir, cleanup, startNode, cli, killChildren, type RunningNode } from '../helpers.js';
import { epcisRecords, isRefused, namedIdentifiers, type EpcisRecord } from '../../src/epcis/record.js';
import { identifierKey } from '../../src/epcis/identifiers.js';
import { sendEpcis } from '../../src/epcis/send.js';
import { NodeClient } from '../../src/io/nodeClient.js';

const E = suite('ingest epcis');
const vectors = path.join(root, 'test/vectors/epcis');
const files = ['gs1', 'reference'].flatMap((d) => fs.readdirSync(path.join(vectors, d)).filter((f) => f.endsWith('.jsonld')).map((f) => path.join(vectors, d, f)));
let dir: string;
let node: RunningNode;
let profichain: string;

const lines = (stdout: string) => stdout.trim().split('\n').map((l) => JSON.parse(l));
const trace = (code: string) => fetch(`${node.url}/v1/products/${encodeURIComponent(code)}`).then((r) => r.json());

E.before(async () => {
  dir = tmpDir();
  node = await startNode(path.join(dir, 'n'), ['--block-time', '200ms', '--profichain', '127.0.0.1:0']);
  profichain = (await fetch(`${node.url}/v1/status`).then((r) => r.json())).profichain;
});
E.after(async () => {
  await node?.stop();
  killChildren();
  cleanup();
});

/** hash id -> txId of every event taken in so far */
const stored = new Map<string, string>();

E('the published examples go in, one record per event, each found under every identifier in both forms', async () => {
  const types = new Set<string>();
  let events = 0;
  const client = new NodeClient(node.url);
  for (const [n, f] of files.entries()) {
    // A few through the CLI; the rest through the same code in this process (a process each is slow).
    let out: any[];
    if (n % 8 === 0) {
      const r = await cli(['ingest', 'epcis', f, '--node', node.url, '--json']);
      assert.is(r.code, 0, `${f}: ${r.stderr}`);
      out = lines(r.stdout);
    } else {
      out = [];
      const sum = await sendEpcis(fs.readFileSync(f), { submit: async (recs) => (await client.submitBatch(recs)).receipts, onOutcome: (o) => out.push(o) });
      out.push(sum);
    }
    const summary = out.pop();
    const { results } = epcisRecords(fs.readFileSync(f));
    assert.is(summary.events, results.length, f);
    assert.is(summary.refused + summary.failed, 0, f);
    out.forEach((o, i) => {
      const rec = results[i] as EpcisRecord;
      assert.is(o.hashId, rec.hashId, `${f} event ${i}`);
      assert.ok(o.status === 'stored' || (o.status === 'duplicate' && stored.has(o.hashId)), `${f} event ${i}: ${o.status}`);
      if (o.status === 'stored') stored.set(o.hashId, o.txId);
      else assert.is(o.txId, stored.get(o.hashId));
      types.add(rec.eventType);
    });
    events += out.length;
  }
  assert.equal([...types].sort(), ['AggregationEvent', 'AssociationEvent', 'ObjectEvent', 'TransactionEvent', 'TransformationEvent']);
  assert.ok(events >= 60, `${events} events`);
  await client.close();

  // The reference's published ids (.hashes) are what the records carry.
  for (const f of files.filter((x) => x.includes('/reference/'))) {
    const ids = fs.readFileSync(f.replace(/\.jsonld$/, '.hashes'), 'utf8').split('\n').filter(Boolean);
    for (const id of ids) assert.ok(stored.has(id), `${path.basename(f)}: ${id} not stored`);
  }

  // Every identifier of every event, as written and as its key, finds that event's record.
  const lookups: [string, string, string][] = [];
  for (const f of files) {
    const { doc, results } = epcisRecords(fs.readFileSync(f));
    for (const rec of results as EpcisRecord[])
      for (const written of namedIdentifiers(doc.events[rec.index].event))
        for (const form of new Set([written, identifierKey(written)])) lookups.push([path.basename(f), form, stored.get(rec.hashId)!]);
  }
  let checked = 0;
  for (let i = 0; i < lookups.length; i += 16)
    await Promise.all(
      lookups.slice(i, i + 16).map(async ([f, form, txId]) => {
        const t = await trace(form);
        assert.ok(t.records.some((x: any) => x.txId === txId), `${f}: ${form} does not find ${txId}`);
        checked++;
      }),
    );
  assert.ok(checked >= 200, `${checked} lookups`);
});

E('an item written as EPC URN in one event and as Digital Link in another: trace finds both either way', async () => {
  const doc = (events: object[]) =>
    JSON.stringify({ '@context': ['https://ref.gs1.org/standards/epcis/2.0.0/epcis-context.jsonld'], type: 'EPCISDocument', schemaVersion: '2.0', creationDate: '2024-05-01T10:00:00Z', epcisBody: { eventList: events } });
  const t0 = { eventTimeZoneOffset: '+02:00', action: 'OBSERVE' };
  const input = doc([
    { type: 'ObjectEvent', eventTime: '2024-05-01T10:00:00+02:00', ...t0, epcList: ['urn:epc:id:sgtin:4012345.011111.T-7781'], bizStep: 'commissioning' },
    { type: 'ObjectEvent', eventTime: '2024-05-01T11:00:00+02:00', ...t0, epcList: ['https://brand.example.com/01/04012345111118/21/T-7781?src=qr'], bizStep: 'shipping', bizLocation: { id: 'https://id.gs1.org/414/4012345000115' } },
    { type: 'AggregationEvent', eventTime: '2024-05-01T12:00:00+02:00', ...t0, action: 'ADD', parentID: 'urn:epc:id:sscc:4012345.0000009999', childEPCs: ['https://id.gs1.org/gtin/4012345111118/ser/T-7781'] },
  ]);
  const r = await cli(['ingest', 'epcis', '-', '--node', node.url], input);
  assert.is(r.code, 0, r.stderr);
  const out = lines(r.stdout);
  assert.equal(out.slice(0, 3).map((o) => o.status), ['stored', 'stored', 'stored']);
  for (const form of ['urn:epc:id:sgtin:4012345.011111.T-7781', 'https://id.gs1.org/01/04012345111118/21/T-7781', 'https://other.example/x/gtin/4012345111118/ser/T-7781']) {
    const t = await cli(['trace', form, '--node', node.url, '--json']);
    assert.is(t.code, 0, t.stderr);
    assert.equal(t.json.records.map((x: any) => x.txId).sort(), out.slice(0, 3).map((o) => o.txId).sort(), form);
  }
  const sscc = await cli(['trace', identifierKey('urn:epc:id:sscc:4012345.0000009999'), '--node', node.url]);
  assert.equal(sscc.json.records.map((x: any) => x.meta['epcis.type']), ['AggregationEvent']);
  // The record's payload is the event's text exactly as it stood in the input.
  const tx = await fetch(`${node.url}/v1/txs/${out[1].txId}?payload=1`).then((x) => x.json());
  const start = input.indexOf('{"type":"ObjectEvent","eventTime":"2024-05-01T11:00:00+02:00"');
  const text = input.slice(start, input.indexOf('}}', start) + 2);
  assert.is(Buffer.from(tx.payload, 'base64').toString('utf8'), text);
  assert.is(tx.core.meta['epcis.bizStep'], 'https://ref.gs1.org/cbv/BizStep-shipping');
  assert.is(tx.core.meta['epcis.time'], '2024-05-01T09:00:00.000Z');
  assert.is(tx.core.kind, 'epcis');
  // A plain --product record stays what it was: found under its code, exactly as before.
  const plain = await cli(['ingest', 'send', '-', '--node', node.url, '--product', 'SN-4711'], 'report');
  const pt = await trace('SN-4711');
  assert.equal(pt, { product: 'SN-4711', count: 1, records: pt.records });
  assert.is(pt.records[0].txId, plain.json.txId);
});

E('invalid events are refused with their JSON path, the others go in, exit 1', async () => {
  const events = [
    { type: 'ObjectEvent', eventTime: '2024-06-01T10:00:00Z', eventTimeZoneOffset: '+00:00', action: 'OBSERVE', epcList: ['urn:epc:id:sgtin:4012345.011111.1001'] },
    { type: 'ObjectEvent', eventTime: '2024-06-01T10:00:00Z', eventTimeZoneOffset: '+00:00', action: 'OBSERVE', epcList: ['urn:epc:id:sgtin:4012345.011111.1002', 'not a uri'] },
    { type: 'TransformationEvent', eventTime: '2024-06-01T11:00:00', eventTimeZoneOffset: '+00:00', inputEPCList: ['urn:epc:id:sgtin:4012345.011111.1001'] },
    { type: 'AssociationEvent', eventTime: '2024-06-01T12:00:00Z', eventTimeZoneOffset: '+00:00', action: 'ADD', childEPCs: ['urn:epc:id:grai:4012345.00022.1'] },
    { type: 'ObjectEvent', eventTime: '2024-06-01T13:00:00Z', eventTimeZoneOffset: '+00:00', action: 'OBSERVE', quantityList: [{ epcClass: 'urn:epc:class:lgtin:4012345.012345.L1', quantity: 5, uom: 'kilogram' }] },
    { type: 'ObjectEvent', eventTime: '2024-06-01T14:00:00Z', eventTimeZoneOffset: '+00:00', action: 'OBSERVE', epcList: ['urn:epc:id:sgtin:4012345.011111.1003'], myField: 1 },
    { type: 'TransformationEvent', eventTime: '2024-06-01T15:00:00Z', eventTimeZoneOffset: '+00:00', outputEPCList: ['urn:epc:id:sgtin:4012345.011111.1004'] },
  ];
  const input = JSON.stringify({ '@context': 'https://ref.gs1.org/standards/epcis/2.0.0/epcis-context.jsonld', type: 'EPCISQueryDocument', schemaVersion: '2.0', epcisBody: { queryResults: { queryName: 'SimpleEventQuery', resultsBody: { eventList: events } } } });
  const r = await cli(['ingest', 'epcis', '-', '--profichain', profichain, '--json'], input);
  assert.is(r.code, 1, r.stderr);
  assert.match(r.stderr, /5 of 7 events not taken in \(5 refused, 0 failed\)/);
  const out = lines(r.stdout);
  const at = '$.epcisBody.queryResults.resultsBody.eventList';
  assert.equal(out.slice(0, 7).map((o) => [o.status, o.error?.path]), [
    ['stored', undefined],
    ['refused', `${at}[1].epcList[1]`],
    ['refused', `${at}[2].eventTime`],
    ['refused', `${at}[3].parentID`],
    ['refused', `${at}[4].quantityList[0].uom`],
    ['refused', `${at}[5].myField`],
    ['stored', undefined],
  ]);
  assert.equal(out[7], { events: 7, stored: 2, duplicates: 0, refused: 5, failed: 0 });
  assert.is((await trace('urn:epc:id:sgtin:4012345.011111.1002')).count, 0);
  assert.is((await trace('https://id.gs1.org/01/04012345111118/21/1004')).count, 1);
  // Not an EPCIS document at all: exit 2 and the path.
  const bad = await cli(['ingest', 'epcis', '-', '--node', node.url], '{"type": "Invoice"}');
  assert.is(bad.code, 2);
  assert.match(bad.stderr, /\$\.type: expected EPCISDocument/);
  const dup = await cli(['ingest', 'epcis', '-', '--node', node.url], '{"a": 1, "a": 2}');
  assert.is(dup.code, 2);
  assert.match(dup.stderr, /\$\.a: key "a" given twice/);
});

E('an event already in the chain is a duplicate however it is written, and is not stored twice', async () => {
  const f = path.join(vectors, 'gs1/Example_9.6.1-ObjectEvent.jsonld');
  const { results } = epcisRecords(fs.readFileSync(f));
  const valid = results.filter((x) => !isRefused(x)) as EpcisRecord[];
  // Re-indented, keys in another order, epcList reversed: other bytes, the same events.
  const doc = JSON.parse(fs.readFileSync(f, 'utf8'));
  for (const e of doc.epcisBody.eventList) {
    if (Array.isArray(e.epcList)) e.epcList.reverse();
    const entries = Object.entries(e).reverse();
    for (const k of Object.keys(e)) delete e[k];
    Object.assign(e, Object.fromEntries(entries));
  }
  for (const args of [['--node', node.url], ['--profichain', profichain]]) {
    const r = await cli(['ingest', 'epcis', '-', ...args, '--json'], JSON.stringify(doc, null, 3));
    assert.is(r.code, 0, r.stderr);
    const out = lines(r.stdout);
    assert.equal(out.pop(), { events: valid.length, stored: 0, duplicates: valid.length, refused: 0, failed: 0 });
    assert.equal(out.map((o) => o.txId), valid.map((v) => stored.get(v.hashId)));
  }
  // The same event twice in one input: one record, one duplicate.
  const one = JSON.stringify({ type: 'ObjectEvent', eventTime: '2024-07-01T10:00:00Z', eventTimeZoneOffset: '+00:00', action: 'OBSERVE', epcList: ['urn:epc:id:sgtin:4012345.011111.2001'] });
  const twice = `{"@context":["https://ref.gs1.org/standards/epcis/2.0.0/epcis-context.jsonld"],"type":"EPCISDocument","schemaVersion":"2.0","creationDate":"2024-07-01T10:00:00Z","epcisBody":{"eventList":[${one},${one}]}}`;
  const r2 = await cli(['ingest', 'epcis', '-', '--node', node.url, '--json'], twice);
  assert.equal(lines(r2.stdout).map((o) => o.status), ['stored', 'duplicate', undefined]);
  assert.is((await trace('urn:epc:id:sgtin:4012345.011111.2001')).count, 1);
});

E('audit agrees with the index the records call for', async () => {
  await node.drained();
  const a = await cli(['audit', '--data', path.join(dir, 'n')]);
  assert.is(a.code, 0, a.stdout + a.stderr);
  assert.ok(a.json.transactions >= stored.size, `${a.json.transactions} transactions`);
});

E.run();
