/**
 * @module node/receipt
 * A durable record as the intake hands it back: the raw fields of its receipt, hex made only
 * when an answer is written (and the batch root's hex once per batch, the chain id's and the
 * node key's once per node). `receipt()` gives the Receipt object of contracts/records; `json()`
 * gives the same receipt as JSON text, byte for byte what JSON.stringify(receipt()) gives, so the
 * HTTP API builds a batch's answer without an object per record.
 */
import { toHex } from '../codec/bytes.js';
import type { Receipt } from '../contracts/records.js';

/** What every record of one batch shares; its hex is made at most once. */
export class BatchRef {
  private hex?: string;
  constructor(readonly root: Uint8Array) {}
  get rootHex(): string {
    return (this.hex ??= toHex(this.root));
  }
}

export class Durable {
  constructor(
    readonly txId: Uint8Array,
    /** The chain id and origin key as hex: the same strings for every record a node takes in. */
    readonly chainIdHex: string,
    readonly originHex: string,
    readonly timestamp: number,
    readonly seq: number,
    readonly kind: string,
    readonly payloadDigest: Uint8Array,
    readonly payloadLength: number,
    readonly batch: BatchRef,
    readonly duplicate = false,
  ) {}

  /** The same record answered again (a retry, or the same EPCIS event). */
  again(): Durable {
    const d = this;
    return new Durable(d.txId, d.chainIdHex, d.originHex, d.timestamp, d.seq, d.kind, d.payloadDigest, d.payloadLength, d.batch, true);
  }

  receipt(): Receipt {
    const r: Receipt = {
      txId: toHex(this.txId),
      chainId: this.chainIdHex,
      origin: this.originHex,
      timestamp: this.timestamp,
      seq: this.seq,
      kind: this.kind,
      payloadDigest: toHex(this.payloadDigest),
      payloadLength: this.payloadLength,
      batchRoot: this.batch.rootHex,
      durable: true,
    };
    if (this.duplicate) r.duplicate = true;
    return r;
  }

  /** JSON.stringify(this.receipt()), without the object (the fields in the same order). */
  json(): string {
    return (
      `{"txId":"${toHex(this.txId)}","chainId":"${this.chainIdHex}","origin":"${this.originHex}","timestamp":${this.timestamp},"seq":${this.seq}` +
      `,"kind":${JSON.stringify(this.kind)},"payloadDigest":"${toHex(this.payloadDigest)}","payloadLength":${this.payloadLength}` +
      `,"batchRoot":"${this.batch.rootHex}","durable":true${this.duplicate ? ',"duplicate":true}' : '}'}`
    );
  }
}
