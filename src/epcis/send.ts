/**
 * @module epcis/send
 * Takes the events of one EPCIS input into a chain: each valid event becomes a record (epcis/
 * record.ts) and is handed to `submit` in chunks (a node's batch endpoint takes a chunk in one
 * request); each event gets one outcome, in input order:
 *
 *   stored     a new record; its txId
 *   duplicate  the chain already holds an event with this hash id (sent before, or twice in
 *              this input): not stored again; the txId of the record that holds it
 *   refused    not valid EPCIS 2.0: the JSON path and what is wrong; the others still go in
 *   failed     valid, but the node did not take it (its error): may be sent again
 *
 * Where records go is the caller's (a node's HTTP API, Profichain): this module does no I/O.
 */
import type { RecordInput, Receipt } from '../contracts/records.js';
import { epcisRecords, isRefused, EPCIS_KIND, IDEM_PREFIX, type EpcisRecord } from './record.js';

export interface EventOutcome {
  index: number;
  path: string;
  status: 'stored' | 'duplicate' | 'refused' | 'failed';
  eventType?: string;
  hashId?: string;
  txId?: string;
  identifiers?: string[];
  error?: { code: string; message: string; path?: string };
}

export interface SendSummary {
  events: number;
  stored: number;
  duplicates: number;
  refused: number;
  failed: number;
}

/** What a chunk of records came to: a receipt, or an error with its code, per record. */
export type SubmitChunk = (recs: RecordInput[]) => Promise<(Pick<Receipt, 'txId' | 'duplicate'> | { error: { code: string; message: string; txId?: string } })[]>;

export interface SendOptions {
  submit: SubmitChunk;
  /** Records per submit call (default 256). */
  chunk?: number;
  /** Each event's outcome, in input order, as soon as it is known. */
  onOutcome?: (o: EventOutcome) => void;
  /** Something about the input the sender should know that refuses nothing (a context not fetched). */
  onWarning?: (message: string) => void;
}

/** Chunks in flight at once: the next is sent while the node commits the one before. */
const IN_FLIGHT = 2;

const asRecordInput = (r: EpcisRecord): RecordInput => ({ payload: r.payload, kind: EPCIS_KIND, meta: r.meta, idemKey: r.idemKey });

/** Sends every event of `input`; throws BAD_INPUT only when the input is no EPCIS document at all. */
export async function sendEpcis(input: Uint8Array | string, o: SendOptions): Promise<SendSummary> {
  const { doc, results } = epcisRecords(input);
  for (const url of doc.unknownContexts) o.onWarning?.(`@context ${url} is not fetched (only the EPCIS 2.0 context ships): terms it defines are not expanded in hash ids`);
  const sum: SendSummary = { events: results.length, stored: 0, duplicates: 0, refused: 0, failed: 0 };
  const report = (x: EventOutcome) => {
    sum[x.status === 'duplicate' ? 'duplicates' : x.status]++;
    o.onOutcome?.(x);
  };
  const size = o.chunk ?? 256;
  let chunk: EpcisRecord[] = [];
  // Outcomes are reported along one chain, in input order, while the next chunk is already sent.
  let reported: Promise<void> = Promise.resolve();
  const inFlight: Promise<unknown>[] = [];
  const flush = async () => {
    if (!chunk.length) return;
    const sent = chunk;
    chunk = [];
    const answered: ReturnType<SubmitChunk> = o.submit(sent.map(asRecordInput)).catch((e: { code?: string; message: string }) => sent.map(() => ({ error: { code: e.code ?? 'INTERNAL', message: e.message } })));
    reported = reported.then(async () => {
      const answers = await answered;
      sent.forEach((r, k) => {
        const base = (status: EventOutcome['status']) => ({ index: r.index, path: r.path, status, eventType: r.eventType, hashId: r.hashId });
        const a = answers[k];
        if (a && 'txId' in a) report({ ...base(a.duplicate ? 'duplicate' : 'stored'), txId: a.txId, identifiers: r.identifiers });
        // The same hash id in flight with other bytes (the same event written differently): a duplicate.
        else if (a?.error.code === 'CONFLICT' && r.idemKey.startsWith(IDEM_PREFIX)) report({ ...base('duplicate'), ...(a.error.txId ? { txId: a.error.txId } : {}) });
        else report({ ...base('failed'), error: a?.error ?? { code: 'INTERNAL', message: 'no answer for this record' } });
      });
    });
    inFlight.push(answered);
    if (inFlight.length >= IN_FLIGHT) await inFlight.shift();
  };
  for (const r of results) {
    if (isRefused(r)) {
      const x: EventOutcome = { index: r.index, path: r.path, status: 'refused', error: { code: 'BAD_INPUT', message: r.error.message, path: r.error.path } };
      await flush(); // the events before it are reported before it
      reported = reported.then(() => report(x));
    } else {
      chunk.push(r);
      if (chunk.length >= size) await flush();
    }
  }
  await flush();
  await reported;
  return sum;
}
