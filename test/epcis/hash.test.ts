/**
 * The CBV 2.0 event hash id against the reference implementation's published examples and
 * expected ids (test/vectors/epcis/SOURCE.md), and the normalisations it rests on.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import fs from 'node:fs';
import path from 'node:path';
import { root } from '../helpers.js';
import { readEpcis } from '../../src/epcis/document.js';
import { eventHashId, preHashString, numberText, timeText } from '../../src/epcis/hash.js';

const dir = path.join(root, 'test/vectors/epcis/reference');
const examples = fs.readdirSync(dir).filter((f) => f.endsWith('.jsonld'));

test('the reference examples: every event hash id equals the published one', () => {
  assert.ok(examples.length >= 22, `only ${examples.length} examples`);
  let events = 0;
  for (const f of examples) {
    const expected = fs.readFileSync(path.join(dir, f.replace(/\.jsonld$/, '.hashes')), 'utf8').split('\n').filter(Boolean);
    const doc = readEpcis(fs.readFileSync(path.join(dir, f)));
    assert.equal(doc.events.map((e) => eventHashId(e.event, doc)), expected, f);
    events += expected.length;
  }
  assert.ok(events >= 40, `${events} events`);
});

const base = {
  type: 'ObjectEvent',
  eventTime: '2022-02-16T20:33:31.116-06:00',
  eventTimeZoneOffset: '-06:00',
  epcList: ['urn:epc:id:sgtin:0614141.107346.2017', 'urn:epc:id:sgtin:0614141.107346.2018'],
  action: 'OBSERVE',
  bizStep: 'shipping',
  readPoint: { id: 'urn:epc:id:sgln:0614141.07346.1234' },
};

test('the same event written differently has the same id; another value a different one', () => {
  const id = eventHashId(base);
  const reordered = { readPoint: base.readPoint, action: 'OBSERVE', bizStep: 'https://ref.gs1.org/cbv/BizStep-shipping', epcList: [...base.epcList].reverse(), eventTimeZoneOffset: '-06:00', type: 'ObjectEvent', eventTime: '2022-02-17T02:33:31.116Z' };
  assert.is(eventHashId(reordered), id);
  // Digital Link instead of EPC URN, an old CBV URN instead of the bare value, fields not hashed
  const dl = { ...base, epcList: ['https://example.com/01/10614141073464/21/2017', 'https://id.gs1.org/01/10614141073464/21/2018?x=1'], bizStep: 'urn:epcglobal:cbv:bizstep:shipping', eventID: 'urn:uuid:1', recordTime: '2024-01-01T00:00:00Z' };
  assert.is(eventHashId(dl), id);
  assert.is.not(eventHashId({ ...base, action: 'ADD' }), id);
  assert.is.not(eventHashId({ ...base, epcList: base.epcList.slice(1) }), id);
  assert.match(id, /^ni:\/\/\/sha-256;[0-9a-f]{64}\?ver=CBV2\.0$/);
});

test('pre-hash string: field order, lists sorted, user extensions with their namespace', () => {
  const ns = new Map([['ex', 'https://ns.example.com/epcis/']]);
  const s = preHashString({ ...base, 'ex:b': 'two', 'ex:a': 'ex:x' }, { namespaces: ns });
  assert.is(
    s,
    'eventType=ObjectEventeventTime=2022-02-17T02:33:31.116ZeventTimeZoneOffset=-06:00epcListepc=https://id.gs1.org/01/10614141073464/21/2017epc=https://id.gs1.org/01/10614141073464/21/2018' +
      'action=OBSERVEbizStep=https://ref.gs1.org/cbv/BizStep-shippingreadPointid=https://id.gs1.org/414/0614141073467/254/1234' +
      '{https://ns.example.com/epcis/}a=https://ns.example.com/epcis/x{https://ns.example.com/epcis/}b=two',
  );
});

test('numbers and timestamps normalise as the reference (Python) writes them', () => {
  assert.is(numberText('26.0'), '26');
  assert.is(numberText('+0012.50'), '12.5');
  assert.is(numberText('1e3'), '1000');
  assert.is(numberText('0.00001'), '1e-05');
  assert.is(numberText('0.0001'), '0.0001');
  assert.is(numberText('-1.5e-7'), '-1.5e-07');
  assert.is(numberText('12345678901234567890'), '12345678901234567168'); // via a double, as the reference
  assert.is(numberText('0x10'), '0x10');
  assert.is(numberText('abc'), 'abc');
  assert.is(timeText('2023-02-02T11:04:03.1415Z'), '2023-02-02T11:04:03.142Z'); // half-even up
  assert.is(timeText('2023-02-02T11:04:03.1405Z'), '2023-02-02T11:04:03.140Z'); // half-even down
  assert.is(timeText('2019-10-21T00:05:00-06:00'), '2019-10-21T06:05:00.000Z');
  assert.is(timeText('2019-10-21T23:59:59.9999+00:00'), '2019-10-22T00:00:00.000Z');
  assert.is(timeText('not a time'), 'not a time');
});

test.run();
