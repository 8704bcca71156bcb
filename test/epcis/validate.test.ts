/**
 * Reading EPCIS input: the three shapes, each event's exact bytes, and validation that names the
 * JSON path of the first problem; every published example is valid.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import fs from 'node:fs';
import path from 'node:path';
import { root, errorCodeOf } from '../helpers.js';
import { readEpcis } from '../../src/epcis/document.js';
import { validateEvent } from '../../src/epcis/validate.js';
import { epcisRecords, isRefused } from '../../src/epcis/record.js';

const vectors = path.join(root, 'test/vectors/epcis');
const ev = (o: object = {}) => ({ type: 'ObjectEvent', eventTime: '2024-05-01T10:00:00.000+02:00', eventTimeZoneOffset: '+02:00', action: 'OBSERVE', epcList: ['urn:epc:id:sgtin:4012345.011111.1'], ...o });

test('every published example is valid EPCIS 2.0', () => {
  let n = 0;
  for (const d of ['gs1', 'reference'])
    for (const f of fs.readdirSync(path.join(vectors, d)).filter((x) => x.endsWith('.jsonld'))) {
      const { results } = epcisRecords(fs.readFileSync(path.join(vectors, d, f)));
      for (const r of results) assert.not.ok(isRefused(r), `${f}: ${JSON.stringify(isRefused(r) && r.error)}`);
      n += results.length;
    }
  assert.ok(n >= 60);
});

test('the first problem and its JSON path', () => {
  const cases: [object, string, RegExp][] = [
    [{ type: 'Event' }, '$.type', /expected one of ObjectEvent/],
    [{ eventTime: undefined }, '$.eventTime', /required/],
    [{ eventTime: '2024-05-01T10:00:00' }, '$.eventTime', /time zone/],
    [{ eventTimeZoneOffset: '+2:00' }, '$.eventTimeZoneOffset', /offset/],
    [{ action: 'UPDATE' }, '$.action', /ADD, OBSERVE, DELETE/],
    [{ epcList: ['urn:epc:id:sgtin:4012345.011111.1', 'no uri'] }, '$.epcList[1]', /URI/],
    [{ quantityList: [{ epcClass: 'urn:epc:class:lgtin:4012345.012345.L1', quantity: '5' }] }, '$.quantityList[0].quantity', /number/],
    [{ quantityList: [{ quantity: 5 }] }, '$.quantityList[0].epcClass', /required/],
    [{ readPoint: { id: 'x y' } }, '$.readPoint.id', /URI/],
    [{ bizTransactionList: [{ type: 'po' }] }, '$.bizTransactionList[0].bizTransaction', /required/],
    [{ sourceList: [{ source: 'urn:epc:id:pgln:4012345.00000' }] }, '$.sourceList[0].type', /required/],
    [{ sensorElementList: [{ sensorReport: [{ type: 'Temperature', value: 'warm' }] }] }, '$.sensorElementList[0].sensorReport[0].value', /number/],
    [{ sensorElementList: [{ sensorReport: [] }] }, '$.sensorElementList[0].sensorReport', /at least 1/],
    [{ persistentDisposition: {} }, '$.persistentDisposition', /set, unset/],
    [{ errorDeclaration: { reason: 'incorrect_data' } }, '$.errorDeclaration.declarationTime', /required/],
    [{ childEPCs: ['urn:epc:id:sgtin:4012345.011111.2'] }, '$.childEPCs', /unknown field/],
    [{ myField: 1 }, '$.myField', /namespace prefix/],
  ];
  for (const [patch, p, msg] of cases) {
    const e = validateEvent(JSON.parse(JSON.stringify(ev(patch))));
    assert.ok(e, `${p}: accepted`);
    assert.is(e!.path, p);
    assert.match(e!.message, msg);
  }
  assert.is(validateEvent(ev({ 'example:myField': { any: 'thing' }, bizStep: 'shipping', readPoint: { id: 'urn:epc:id:sgln:4012345.00001.0', 'example:x': 1 } })), undefined);
  assert.is(validateEvent({ type: 'TransformationEvent', eventTime: '2024-05-01T10:00:00Z', eventTimeZoneOffset: '+00:00', inputEPCList: [] }), undefined);
  assert.is(validateEvent({ type: 'AssociationEvent', eventTime: '2024-05-01T10:00:00Z', eventTimeZoneOffset: '+00:00', action: 'ADD' })!.path, '$.parentID');
  assert.is(validateEvent({ type: 'TransactionEvent', eventTime: '2024-05-01T10:00:00Z', eventTimeZoneOffset: '+00:00', action: 'ADD', bizTransactionList: [] })!.path, '$.bizTransactionList');
});

test('the three shapes, and each event cut out byte for byte', () => {
  const e1 = '{ "type" : "ObjectEvent",\n  "eventTime":"2024-05-01T10:00:00Z", "eventTimeZoneOffset":"+00:00","action":"OBSERVE", "note\\u00e9": "é" }';
  const e2 = JSON.stringify(ev());
  const doc = `\ufeff{"@context":["https://ref.gs1.org/standards/epcis/2.0.0/epcis-context.jsonld",{"ex":"https://ns.example.com/"}],"type":"EPCISDocument","schemaVersion":"2.0","creationDate":"2024-05-01T10:00:00Z","epcisBody":{"eventList":[ ${e1} ,\n${e2}]}}`;
  const d = readEpcis(new TextEncoder().encode(doc));
  assert.is(d.shape, 'EPCISDocument');
  assert.equal(d.events.map((x) => x.text), [e1, e2]);
  assert.equal(d.events.map((x) => x.path), ['$.epcisBody.eventList[0]', '$.epcisBody.eventList[1]']);
  assert.equal([...d.namespaces], [['ex', 'https://ns.example.com/']]);
  const q = readEpcis(`{"type":"EPCISQueryDocument","epcisBody":{"queryResults":{"queryName":"q","resultsBody":{"eventList":[${e2}]}}}}`);
  assert.is(q.shape, 'EPCISQueryDocument');
  assert.is(q.events[0].path, '$.epcisBody.queryResults.resultsBody.eventList[0]');
  const s = readEpcis(`  ${e1}\n`);
  assert.is(s.shape, 'event');
  assert.is(s.events[0].text, e1);
  assert.equal(s.unknownContexts, []);
});

test('an input that is no EPCIS document is BAD_INPUT with the path', () => {
  assert.is(errorCodeOf(() => readEpcis('[]')), 'BAD_INPUT');
  assert.throws(() => readEpcis('{"type":"EPCISDocument","epcisBody":{}}'), /\$\.epcisBody\.eventList/);
  assert.throws(() => readEpcis('{"type":"EPCISDocument","epcisBody":{"eventList":[{"a":1,"a":2}]}}'), /\$\.epcisBody\.eventList\[0\]\.a: key "a" given twice/);
  assert.throws(() => readEpcis('{"type":"EPCISDocument",'), /unexpected end of input/);
  assert.throws(() => readEpcis(new Uint8Array([0x7b, 0xff, 0x7d])), /UTF-8/);
  assert.throws(() => readEpcis('['.repeat(100) + ']'.repeat(100)), /nested deeper/);
});

test.run();
