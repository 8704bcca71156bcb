/**
 * @module net/authority
 * Proof-of-authority countersigning (k > 1 authorities per block). The proposer seals a block
 * with its own signature and sends SIGN_REQ to its linked authorities; an authority signs when
 * the block extends its own head, is valid but for missing signatures, its transactions are
 * known, and it has not signed another proposer's block at that height within SIGN_LOCK_MS;
 * otherwise it answers SIG with an empty signature and the reason. The proposer adds the block
 * once it carries k authority signatures.
 */
import { asArray, asBytes, asText, type CborValue } from '../codec/cbor.js';
import { toHex, equal } from '../codec/bytes.js';
import { blockHashOf, type SignedHeader } from '../chain/header.js';
import { sign, verify } from '../crypto/ed25519.js';
import { blockMessage } from '../crypto/signed.js';
import { UrchainError } from '../errors.js';
import type { NetContext } from './context.js';
import type { Link } from './link.js';
import type { Sync } from './sync.js';
import { Msg, blockFromCbor, blockToCbor, encodeMsg } from './wire.js';

/** An authority countersigns one block per height (per proposer) within this time. */
export const SIGN_LOCK_MS = 10_000;
/** Heights below the newest locked one by more than this are forgotten. */
const LOCKS_KEPT = 64;

export class Authority {
  private signedAt = new Map<number, { hash: string; proposer: string; at: number }>();
  private waiters = new Map<string, (key: Uint8Array, sig: Uint8Array) => void>();

  constructor(
    private readonly net: NetContext,
    private readonly sync: Sync,
  ) {}

  /** May this node sign block `hash` at `height` for `proposer`? Records it when so. */
  lockHeight(height: number, hash: string, proposer: string): boolean {
    const prev = this.signedAt.get(height);
    // One block per height: another proposer's block only once the lock has run out (a proposer
    // that went quiet must not stop the chain); the same proposer may replace its own proposal.
    if (prev && prev.hash !== hash && prev.proposer !== proposer && Date.now() - prev.at < SIGN_LOCK_MS) return false;
    this.signedAt.set(height, { hash, proposer, at: Date.now() });
    for (const h of this.signedAt.keys()) if (h < height - LOCKS_KEPT) this.signedAt.delete(h);
    return true;
  }

  /**
   * Sends a sealed block to the linked authorities and resolves once it carries the threshold
   * of authority signatures; rejects with UNAVAILABLE when they do not come in time.
   */
  collectSignatures(signed: SignedHeader, txIds: Uint8Array[], timeoutMs: number): Promise<SignedHeader> {
    const { o, links } = this.net;
    const params = o.tree.params;
    const h = signed.header;
    const hex = toHex(blockHashOf(h));
    const auth = new Set(params.authorities.map(toHex));
    const sigs = [...signed.signatures];
    const have = new Set(sigs.map((s) => toHex(s.key)).filter((k) => auth.has(k)));
    this.lockHeight(h.height, hex, toHex(o.key.publicKey));
    const targets = [...links.values()].filter((l) => auth.has(l.peerHex) && !have.has(l.peerHex));
    if (have.size + targets.length < params.threshold)
      return Promise.reject(UrchainError.UNAVAILABLE(`block ${h.height} needs ${params.threshold} authority signatures; linked to ${targets.length} other authorities`));
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.waiters.delete(hex);
        reject(UrchainError.UNAVAILABLE(`block ${h.height}: ${have.size} of ${params.threshold} authority signatures within ${timeoutMs} ms`));
      }, timeoutMs);
      this.waiters.set(hex, (key, sig) => {
        const k = toHex(key);
        if (!auth.has(k) || have.has(k)) return;
        have.add(k);
        sigs.push({ key, sig });
        if (have.size < params.threshold) return;
        clearTimeout(timer);
        this.waiters.delete(hex);
        resolve({ header: h, signatures: sigs });
      });
      const msg = encodeMsg([Msg.SIGN_REQ, blockToCbor({ signed, txIds })]);
      for (const l of targets) l.sendBytes(msg);
    });
  }

  /** SIGN_REQ: an authority's answer, its signature or a refusal with the reason. */
  onSignRequest(m: CborValue[], from: Link): void {
    const { o } = this.net;
    const b = blockFromCbor(asArray(m, 2, 'SIGN_REQ')[1]);
    const h = b.signed.header;
    const hash = blockHashOf(h);
    const refuse = (why: string) => from.send([Msg.SIG, hash, new Uint8Array(0), why]);
    if (!equal(h.producer, from.hello!.nodeKey)) throw UrchainError.BAD_INPUT("SIGN_REQ: only a block's producer asks for countersignatures");
    if (!o.countersigns) return refuse('not an authority');
    const missing = b.txIds.filter((id) => !o.store.hasTx(id));
    if (missing.length) {
      this.sync.askTxs(from, missing, true);
      return refuse(`${missing.length} transactions not here yet; asked for them`);
    }
    if (!equal(h.prevHash, o.tree.head().hash)) {
      if (h.height > o.tree.head().height) this.sync.requestBlocks(from);
      return refuse(`not on this node's head (height ${o.tree.head().height})`);
    }
    o.tree.checkProposal(b.signed, b.txIds, hash); // BAD_BLOCK: the proposer is punished
    if (!this.lockHeight(h.height, toHex(hash), from.peerHex)) return refuse(`already countersigned another block at height ${h.height}`);
    from.send([Msg.SIG, hash, sign(blockMessage(hash), o.key.secretKey), '']);
  }

  /** SIG: a countersignature for a block being collected, or a refusal (reported). */
  onSig(m: CborValue[], from: Link): void {
    const a = asArray(m, 4, 'SIG');
    const hash = asBytes(a[1], 'blockHash', 32);
    const sig = asBytes(a[2], 'signature');
    if (!sig.length) {
      this.net.o.onEvent({ event: 'countersign-refused', peer: from.peerHex, block: toHex(hash), why: asText(a[3], 'reason') });
      return;
    }
    const w = this.waiters.get(toHex(hash));
    if (!w) return; // late: the block was completed or given up
    if (sig.length !== 64 || !verify(blockMessage(hash), sig, from.hello!.nodeKey)) throw UrchainError.BAD_SIGNATURE(`countersignature for ${toHex(hash).slice(0, 16)}… does not verify`);
    w(from.hello!.nodeKey, sig);
  }
}
