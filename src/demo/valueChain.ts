/**
 * @module demo/valueChain
 * The seed paper's testbed as data: the stations of each company, the values their OPC UA
 * variables take for one product (in the order a PLC would set them), and the EPCIS 2.0 events
 * each station reports about it. Products carry GS1 identifiers: the printed part an SGTIN of the
 * parts maker (given as an EPC URN), the assembly an SGTIN of the assembler (given as a GS1
 * Digital Link, so both identifier forms go through the intake), raw material and supplier parts
 * as lot classes (LGTIN). The values are made up but shaped like the real thing.
 */
import { sha256 } from '../crypto/hash.js';
import { toHex, utf8 } from '../codec/bytes.js';

export type CompanyName = 'parts-maker' | 'assembler';
export const COMPANIES: readonly CompanyName[] = ['parts-maker', 'assembler'];

export interface Product {
  index: number;
  serial: string;
  /** The printed part: the code the passport is about (EPC URN form). */
  part: string;
  /** The same part as a GS1 Digital Link URI (one key with the URN in the identifier index). */
  partLink: string;
  /** The assembly the part is fitted into (Digital Link form). */
  assembly: string;
}

export interface Step {
  company: CompanyName;
  station: string;
  variables: readonly string[];
  /** [variable, value] in the order the station sets them: each change is one record. */
  samples(p: Product): [string, string][];
  events(p: Product): object[];
}

const PARTS_PREFIX = '4012345';
const ASSEMBLY_PREFIX = '4098765';

export function product(index: number, started: number): Product {
  const serial = `${started % 100000}${String(index + 1).padStart(3, '0')}`;
  return {
    index,
    serial,
    part: `urn:epc:id:sgtin:${PARTS_PREFIX}.011111.${serial}`,
    partLink: `https://id.gs1.org/01/${gtin(PARTS_PREFIX, '011111')}/21/${serial}`,
    assembly: `https://id.gs1.org/01/${gtin(ASSEMBLY_PREFIX, '022222')}/21/${serial}`,
  };
}

/** GTIN-14 of an SGTIN's company prefix and item reference (indicator digit first), with its check digit. */
function gtin(prefix: string, itemRef: string): string {
  const body = itemRef[0] + prefix + itemRef.slice(1);
  let sum = 0;
  for (let i = 0; i < 13; i++) sum += Number(body[i]) * (i % 2 === 0 ? 3 : 1);
  return body + ((10 - (sum % 10)) % 10);
}

const sgln = (prefix: string, loc: string) => ({ id: `urn:epc:id:sgln:${prefix}.${loc}.0` });
const json = (v: object) => JSON.stringify(v);
const digest = (s: string) => toHex(sha256(utf8(s)));
const ITERATIONS = 3;

function event(type: string, time: number, body: object): object {
  return { type, eventTime: new Date(time).toISOString(), eventTimeZoneOffset: '+00:00', ...body };
}

/** The stations in the order a product passes them. */
export const STEPS: readonly Step[] = [
  {
    company: 'parts-maker',
    station: 'printer',
    variables: ['Filament', 'CadFile', 'MachineCode'],
    samples: (p) => [
      ['Filament', json({ material: 'PA12', lot: 'FIL-2026-47', diameterMm: 1.75, usedG: 41.8 + p.index / 10 })],
      ['CadFile', json({ file: 'bracket-rev-c.step', sha256: digest(`bracket rev C ${p.serial}`) })],
      ['MachineCode', json({ file: `bracket-${p.serial}.gcode`, sha256: digest(`G28\nG1 X10 Y10 ; ${p.serial}`), lines: 48213 })],
    ],
    events: (p) => [
      event('TransformationEvent', Date.now(), {
        inputQuantityList: [{ epcClass: `urn:epc:class:lgtin:${PARTS_PREFIX}.099999.FIL-2026-47`, quantity: 41.8, uom: 'GRM' }],
        outputEPCList: [p.part],
        bizStep: 'commissioning',
        readPoint: sgln(PARTS_PREFIX, '00001'),
      }),
    ],
  },
  {
    company: 'parts-maker',
    station: 'agv',
    variables: ['Acknowledgement'],
    samples: (p) => [
      ['Acknowledgement', json({ transport: `T-${p.serial}`, from: 'printer', to: 'machining', event: 'picked-up' })],
      ['Acknowledgement', json({ transport: `T-${p.serial}`, from: 'printer', to: 'machining', event: 'delivered' })],
    ],
    events: (p) => [
      event('ObjectEvent', Date.now(), { epcList: [p.part], action: 'OBSERVE', bizStep: 'departing', readPoint: sgln(PARTS_PREFIX, '00001') }),
      event('ObjectEvent', Date.now(), { epcList: [p.partLink], action: 'OBSERVE', bizStep: 'arriving', readPoint: sgln(PARTS_PREFIX, '00002') }),
    ],
  },
  {
    company: 'parts-maker',
    station: 'machining',
    variables: ['Iteration'],
    // Each pass measures the bore; the controller corrects until it is within tolerance.
    samples: (p) =>
      Array.from({ length: ITERATIONS }, (_, i) => {
        const actual = 12 + 0.09 / (i + 1) ** 2 + p.index / 1000;
        return ['Iteration', json({ iteration: i + 1, feature: 'bore-1', targetMm: 12, actualMm: Number(actual.toFixed(4)), toleranceMm: 0.02, inTolerance: actual - 12 <= 0.02 })] as [string, string];
      }),
    events: (p) => [
      event('ObjectEvent', Date.now(), { epcList: [p.part], action: 'OBSERVE', bizStep: 'https://ns.urchain.example/bizstep/machining', readPoint: sgln(PARTS_PREFIX, '00002'), disposition: 'in_progress' }),
    ],
  },
  {
    company: 'assembler',
    station: 'assembly',
    variables: ['SupplierBatches', 'Assembly'],
    samples: (p) => [
      ['SupplierBatches', json({ part: p.part, screws: 'SCR-M4-2026-311', housing: 'HSG-2026-0815' })],
      ['Assembly', json({ assembly: p.assembly, fitted: [p.part], torqueNm: 4.1 })],
    ],
    events: (p) => [
      event('AggregationEvent', Date.now(), {
        parentID: p.assembly,
        childEPCs: [p.part],
        childQuantityList: [
          { epcClass: `urn:epc:class:lgtin:${ASSEMBLY_PREFIX}.077777.SCR-M4-2026-311`, quantity: 4 },
          { epcClass: `urn:epc:class:lgtin:${ASSEMBLY_PREFIX}.088888.HSG-2026-0815`, quantity: 1 },
        ],
        action: 'ADD',
        bizStep: 'assembling',
        readPoint: sgln(ASSEMBLY_PREFIX, '00010'),
      }),
    ],
  },
  {
    company: 'assembler',
    station: 'quality',
    variables: ['InspectionReport'],
    samples: (p) => [['InspectionReport', json({ assembly: p.assembly, part: p.part, result: 'pass', checks: { bore1Mm: 12.01, torqueNm: 4.1, visual: 'ok' }, inspector: 'QC-2' })]],
    events: (p) => [
      event('ObjectEvent', Date.now(), { epcList: [p.assembly, p.part], action: 'OBSERVE', bizStep: 'inspecting', disposition: 'conformant', readPoint: sgln(ASSEMBLY_PREFIX, '00011') }),
    ],
  },
];

export const stationsOf = (c: CompanyName) => STEPS.filter((s) => s.company === c).map((s) => s.station);
