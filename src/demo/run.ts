/**
 * @module demo/run
 * `urchain demo`: the seed paper's value chain on this machine, end to end. Two companies, each
 * its own network and chain (demo/company), one broker, the five stations as real OPC UA servers
 * (demo/station) whose data changes go in through the OPC UA intake, EPCIS 2.0 events through the
 * EPCIS intake, entanglement rounds through the broker after every product, and at the end one
 * passport per product and company, merged, verified against the customer's trust list and
 * written as a self-contained HTML page. It only orchestrates: every step is the library code
 * the matching CLI command runs. Whatever it started is stopped when it ends, fails or is aborted.
 */
import fs from 'node:fs';
import path from 'node:path';
import { Broker } from '../global/broker.js';
import { BrokerClient } from '../global/client.js';
import { push, pull, type Partner } from '../global/entangle.js';
import { NodeClient } from '../io/nodeClient.js';
import { OpcuaIngest } from '../ingest/opcua.js';
import { sendEpcis } from '../epcis/send.js';
import { openSource } from '../node/source.js';
import { collectPassport } from '../passport/collect.js';
import { passportText } from '../proof/passport.js';
import { mergePassports, verifyPassportText } from '../proof/passportVerify.js';
import { parseTrustList } from '../proof/trust.js';
import { verifierPage } from '../passport/html.js';
import { UrchainError } from '../errors.js';
import { startCompany, within, hexKey, type Company } from './company.js';
import { startStation, type Station } from './station.js';
import { COMPANIES, STEPS, product, stationsOf, type CompanyName, type Product, type Step } from './valueChain.js';

export interface DemoOptions {
  dir: string;
  products: number;
  /** Block interval of both chains (ms). */
  blockTimeMs?: number;
  signal?: AbortSignal;
  /** One line per step, for the spinner or the log. */
  onProgress?: (line: string) => void;
  /** A wait (blocks, links, OPC UA samples) fails after this long (ms). */
  timeoutMs?: number;
}

export interface PassportSummary {
  item: string;
  records: number;
  chains: number;
  bytes: number;
  htmlBytes: number;
  valid: boolean;
  trusted: boolean;
  failed?: string;
  passport: string;
  html: string;
}

export interface DemoSummary {
  dir: string;
  products: number;
  stations: { company: CompanyName; station: string; opcuaRecords: number; epcisEvents: number }[];
  companies: { name: CompanyName; chainId: string; blocks: number; apiUrl: string }[];
  entanglementRounds: number;
  passports: PassportSummary[];
  trust: string;
  valid: boolean;
  seconds: number;
}

export async function runDemo(o: DemoOptions): Promise<DemoSummary> {
  const t0 = Date.now();
  const progress = o.onProgress ?? (() => {});
  const timeoutMs = o.timeoutMs ?? 30_000;
  const blockTimeMs = o.blockTimeMs ?? 500;
  fs.mkdirSync(o.dir, { recursive: true });
  const stop: (() => Promise<unknown>)[] = [];
  const stopped = () => UrchainError.UNAVAILABLE('the demo was stopped');
  // Every wait also ends on abort, so Ctrl-C never sits behind a block that is still to come.
  // Calls that start something are awaited to their end instead (a few seconds at most) and the
  // abort is checked after them: what they started is then on the stop list, never left behind.
  const aborted = new Promise<never>((_, j) => {
    if (o.signal?.aborted) j(stopped());
    o.signal?.addEventListener('abort', () => j(stopped()), { once: true });
  });
  aborted.catch(() => {});
  const step = <T>(p: Promise<T>): Promise<T> => Promise.race([p, aborted]);
  const check = () => {
    if (o.signal?.aborted) throw stopped();
  };
  try {
    progress('starting the broker');
    const broker = await Broker.start({ dataDir: path.join(o.dir, 'broker'), listen: '127.0.0.1:0' });
    stop.push(() => broker.close());
    check();
    progress(`broker at ${broker.url}`);

    const companies = {} as Record<CompanyName, Company>;
    for (const name of COMPANIES) {
      progress(`starting ${name}: a full node and a thin node per station (${stationsOf(name).join(', ')})`);
      const c = await startCompany({ dir: o.dir, name, stations: stationsOf(name), blockTimeMs, timeoutMs });
      stop.push(() => c.close());
      check();
      companies[name] = c;
      await broker.store.addNetwork(hexKey(c.key), name);
      const apis = Object.entries(c.thin).map(([s, n]) => `${s} ${n.apiUrl}`);
      progress(`${name}: full node ${c.full.apiUrl} (peer links on ${c.full.network!.listenAddress}), stations ${apis.join(', ')}`);
    }
    const [a, b] = COMPANIES.map((n) => companies[n]);
    const partnersOf = (c: Company): Partner[] => Object.values(companies).filter((x) => x !== c).map((x) => ({ name: x.name, key: hexKey(x.key) }));
    for (const c of [a, b]) fs.writeFileSync(path.join(c.dir, 'partners.json'), JSON.stringify({ partners: partnersOf(c) }, null, 2) + '\n');

    const stations: Record<string, Station> = {};
    const startOne = async (s: Step) => {
      const st = await startStation(path.join(o.dir, 'stations'), s.station, s.variables);
      stop.push(() => st.stop());
      stations[s.station] = st;
      progress(`the ${s.station} station's OPC UA server at ${st.endpoint}`);
    };
    // The first makes the certificate they all use; the others then start side by side.
    progress(`starting the stations' OPC UA servers (${STEPS.map((s) => s.station).join(', ')})`);
    await startOne(STEPS[0]);
    const rest = await Promise.allSettled(STEPS.slice(1).map(startOne));
    for (const r of rest) if (r.status === 'rejected') throw r.reason;
    check();

    const clients: NodeClient[] = [];
    const client = (url: string) => {
      const c = new NodeClient(url, { retries: 3 });
      clients.push(c);
      return c;
    };
    stop.push(() => Promise.all(clients.map((c) => c.close())));
    const brokerClients = new Map<Company, BrokerClient>();
    for (const c of [a, b]) {
      const bc = new BrokerClient(broker.url, c.key, { timeoutMs });
      brokerClients.set(c, bc);
      stop.push(() => bc.close());
    }
    const nodeOf = new Map([a, b].map((c) => [c, client(c.full.apiUrl!)]));
    let rounds = 0;
    /** One entanglement round: `from` pushes its checkpoint, `to` pulls it into its chain. */
    const entangle = async (from: Company, to: Company) => {
      await push({ node: nodeOf.get(from)!, broker: brokerClients.get(from)!, key: from.key, partners: partnersOf(from) });
      check();
      const r = await pull({ node: nodeOf.get(to)!, broker: brokerClients.get(to)!, key: to.key, partners: partnersOf(to) });
      check();
      if (r.refused.length) throw UrchainError.INTERNAL(`${to.name} refused ${r.refused.length} message(s) from ${from.name}: ${r.refused[0].reason}`);
      await step(to.inBlocks([...r.received, ...r.countersignatures].map((x) => x.txId), `${to.name}'s entanglement records`));
      rounds++;
      progress(`entanglement round ${rounds}: ${to.name} took in ${from.name}'s checkpoint`);
    };

    const counts = new Map(STEPS.map((s) => [s.station, { opcuaRecords: 0, epcisEvents: 0 }]));
    const pki = path.join(o.dir, 'stations', 'client-pki');
    const products = Array.from({ length: o.products }, (_, i) => product(i, t0));
    for (const p of products) {
      for (const s of STEPS) {
        const c = companies[s.company];
        const txIds = await runStation(s, p, stations[s.station], client(c.thin[s.station].apiUrl!), pki, step, timeoutMs);
        check();
        const n = counts.get(s.station)!;
        n.opcuaRecords += txIds.opcua.length;
        n.epcisEvents += txIds.epcis.length;
        await step(c.inBlocks([...txIds.opcua, ...txIds.epcis], `${s.station} records of ${p.part}`));
        progress(`product ${p.index + 1}/${o.products} ${p.part}: ${s.station} (${s.company}) ${txIds.opcua.length} OPC UA record(s), ${txIds.epcis.length} EPCIS event(s), in blocks`);
        if (s !== STEPS[STEPS.length - 1] && STEPS[STEPS.indexOf(s) + 1].company !== s.company) await entangle(c, companies[STEPS[STEPS.indexOf(s) + 1].company]); // the part changes hands
      }
      await entangle(b, a);
    }
    // Both ways once more, so the last blocks of each chain are countersigned by the other.
    await entangle(a, b);
    await entangle(b, a);
    await entangle(a, b);

    progress('writing passports');
    const trustText = await trustList(a, b, nodeOf);
    const trustFile = path.join(o.dir, 'trust.json');
    fs.writeFileSync(trustFile, trustText);
    const trust = parseTrustList(trustText, 'trust list');
    const passports: PassportSummary[] = [];
    const out = path.join(o.dir, 'passports');
    fs.mkdirSync(out, { recursive: true });
    for (const p of products) {
      const texts: string[] = [];
      for (const c of [a, b]) {
        const src = await openSource({ node: c.full.apiUrl });
        try {
          const got = await collectPassport(src, p.part, { countersigned: true });
          const text = passportText(got.passport);
          fs.writeFileSync(path.join(out, `${p.serial}.${c.name}.passport.json`), text);
          texts.push(text);
        } finally {
          await src.close();
        }
      }
      const merged = passportText(mergePassports(texts));
      const file = path.join(out, `${p.serial}.passport.json`);
      fs.writeFileSync(file, merged);
      const r = verifyPassportText(merged, trust);
      const html = path.join(out, `${p.serial}.html`);
      check();
      const page = await verifierPage({ kind: 'passport', name: path.basename(file), text: merged, trust: { name: 'trust.json', text: trustText } });
      fs.writeFileSync(html, page);
      passports.push({
        item: p.part,
        records: r.summary.records,
        chains: r.chains.length,
        bytes: Buffer.byteLength(merged),
        htmlBytes: Buffer.byteLength(page),
        valid: r.valid,
        trusted: r.trusted,
        ...(r.valid ? {} : { failed: `${r.failed}: ${r.reason}` }),
        passport: file,
        html,
      });
      progress(`passport of ${p.part}: ${r.summary.records} records from ${r.chains.length} chains, ${r.valid ? 'valid' : 'INVALID'}`);
    }
    const params = await Promise.all([a, b].map((c) => nodeOf.get(c)!.get<{ chainId: string }>('/v1/params')));
    return {
      dir: o.dir,
      products: o.products,
      stations: STEPS.map((s) => ({ company: s.company, station: s.station, ...counts.get(s.station)! })),
      companies: [a, b].map((c, i) => ({ name: c.name as CompanyName, chainId: params[i].chainId, blocks: c.blocks(), apiUrl: c.full.apiUrl! })),
      entanglementRounds: rounds,
      passports,
      trust: trustFile,
      valid: passports.every((x) => x.valid && x.trusted),
      seconds: Math.round((Date.now() - t0) / 100) / 10,
    };
  } finally {
    progress('stopping everything the demo started');
    for (const s of stop.reverse()) await s().catch(() => {});
  }
}

/**
 * One station's work on one product: the station sets its variables, the OPC UA intake takes
 * each change in as a record (under the product's code) at the station's thin node, and the
 * station's EPCIS events go in through the EPCIS intake. Returns the transaction ids.
 */
async function runStation(s: Step, p: Product, st: Station, node: NodeClient, pki: string, step: <T>(x: Promise<T>) => Promise<T>, timeoutMs: number) {
  const samples = s.samples(p);
  // A new subscription delivers each variable's current value first: set every variable's first
  // value for this product before subscribing, then the rest one change at a time.
  const first = new Map<string, string>();
  for (const [v, value] of samples) if (!first.has(v)) first.set(v, value);
  for (const [v, value] of first) st.set(v, value);
  const rest = samples.filter((x, i) => i !== samples.findIndex(([v]) => v === x[0]));
  const opcua: string[] = [];
  let wake = () => {};
  const ingest = await OpcuaIngest.start({
    endpoint: st.endpoint,
    nodeIds: Object.values(st.nodeIds),
    submit: (r) => node.submit(r),
    kind: 'opcua',
    samplingInterval: 10,
    publishingInterval: 20,
    pki,
    meta: { product: p.part, station: s.station, bizStep: bizStepOf(s, p) },
    onRecord: (r) => {
      opcua.push(r.receipt.txId);
      wake();
    },
  });
  try {
    const records = (n: number) =>
      within(
        new Promise<void>((r) => {
          wake = () => opcua.length >= n && r();
          wake();
        }),
        `${s.station}'s OPC UA records`,
        timeoutMs,
      );
    await step(records(first.size));
    for (const [v, value] of rest) {
      const want = opcua.length + 1;
      st.set(v, value);
      await step(records(want));
    }
  } finally {
    await ingest.close();
  }
  const epcis: string[] = [];
  const doc = { '@context': ['https://ref.gs1.org/standards/epcis/2.0.0/epcis-context.jsonld'], type: 'EPCISDocument', schemaVersion: '2.0', creationDate: new Date().toISOString(), epcisBody: { eventList: s.events(p) } };
  const sum = await sendEpcis(JSON.stringify(doc), {
    submit: async (recs) => (await node.submitBatch(recs)).receipts,
    onOutcome: (x) => {
      if (x.status !== 'stored') throw UrchainError.INTERNAL(`the ${s.station} station's EPCIS event ${x.path} was ${x.status}: ${x.error?.message ?? ''}`);
      epcis.push(x.txId!);
    },
  });
  if (sum.stored !== sum.events) throw UrchainError.INTERNAL(`the ${s.station} station's EPCIS events: ${sum.stored} of ${sum.events} stored`);
  return { opcua, epcis };
}

/** The bizStep of a station's first event: the timeline shows it for the OPC UA records too. */
function bizStepOf(s: Step, p: Product): string {
  const e = s.events(p)[0] as { bizStep?: string };
  return e.bizStep ?? s.station;
}

/** The customer's trust list: the parts maker's, with the assembler as a named partner (README "Two companies"). */
async function trustList(a: Company, b: Company, nodeOf: Map<Company, NodeClient>): Promise<string> {
  const [ta, tb] = await Promise.all([a, b].map((c) => nodeOf.get(c)!.get<Record<string, unknown>>('/v1/trust')));
  return JSON.stringify({ ...ta, partners: [{ ...tb, name: b.name }] }, null, 2) + '\n';
}
