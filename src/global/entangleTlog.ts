/**
 * @module global/entangleTlog
 * The C2SP side of entanglement (`entangle push/pull --data DIR`): partners' countersignatures
 * become c2sp.org/tlog-cosignatures over each other's C2SP checkpoints, carried in the same
 * sealed envelopes (global/envelope, message version 2).
 *
 * push: signs the chain's checkpoint note through the folder's persisted signer (node/tlog:
 *       never two inconsistent ones) and sends each partner the note, the RFC 9162 consistency
 *       proof from the size that partner last cosigned (as far as this side knows: 0 at first),
 *       and the partner's latest checkpoint this side cosigned (so the partner learns of it).
 * pull: for each partner note, acts as that partner's C2SP witness (transparency/witness, the
 *       same checks and answers as the broker's POST /add-checkpoint): only a note of the
 *       partner's own chain, signed by the partner's key, consistent with what was cosigned
 *       before, is cosigned; a conflict (409) or an inconsistent checkpoint (422) is refused and
 *       reported, and an inconsistent one is kept as evidence in DIR/tlog/evidence/. Cosigned
 *       notes of this chain coming back are checked (own signature, the partner's cosignature
 *       under the partner chain's origin as cosigner name) and merged into
 *       DIR/tlog/cosigned/<size>.note, where `prove --format tlog-proof` finds them.
 *
 * State, all under DIR/tlog/: signed.json (node/tlog), witness.json (what this chain cosigned,
 * per partner origin), partners.json ({partner key: {origin, cosignedSize}}), cosigned/.
 */
import path from 'node:path';
import type { KeyPair } from '../crypto/ed25519.js';
import type { Store } from '../store/types.js';
import { LmdbStore } from '../store/lmdb.js';
import { UrchainError } from '../errors.js';
import { fromHex } from '../codec/bytes.js';
import { CheckpointSigner, historyConsistency } from '../node/tlog.js';
import { checkpointOrigin, isOriginOfChain } from '../transparency/origin.js';
import { parseCheckpointText, openTreeHead } from '../transparency/checkpoint.js';
import { noteKey, parseNote } from '../transparency/note.js';
import { cosignerKey, linesOf, verifyCosignatures } from '../transparency/cosignature.js';
import { Witness, addCheckpointBody } from '../transparency/witness.js';
import { cosignedFile, readIfExists, readJsonState, tlogDir, writeFileAtomic } from '../transparency/stateFile.js';
import type { TlogPart } from './envelope.js';

interface PartnerState {
  origin?: string;
  cosignedSize?: number;
}

export class EntangleTlog {
  readonly origin: string;
  private readonly partnersFile: string;
  private readonly witness: Witness;
  /** Partner key hex -> the origin its notes must carry (set per message, from its checkpoint's chain). */
  private readonly expect = new Map<string, NoteKeyFor>();

  constructor(
    readonly dataDir: string,
    readonly store: Store,
    private readonly key: KeyPair,
  ) {
    const params = store.getParams();
    if (!params) throw UrchainError.NOT_FOUND(`${dataDir} holds no chain`);
    this.origin = checkpointOrigin(params);
    this.partnersFile = path.join(tlogDir(dataDir), 'partners.json');
    // The cosigner name of a partner is its own chain's checkpoint origin (urchain-formats(5)).
    this.witness = new Witness(this.origin, key, path.join(tlogDir(dataDir), 'witness.json'), (origin) => {
      const e = [...this.expect.values()].find((x) => x.origin === origin);
      return e ? [e.key] : undefined;
    });
  }

  private partners(): Record<string, PartnerState> {
    return readJsonState<Record<string, PartnerState>>(this.partnersFile) ?? {};
  }

  private setPartner(keyHex: string, s: PartnerState): void {
    const all = this.partners();
    all[keyHex] = { ...all[keyHex], ...s };
    writeFileAtomic(this.partnersFile, `${JSON.stringify(all, null, 1)}\n`);
  }

  /** The C2SP part of a push to `partnerKeyHex`. */
  pushPart(partnerKeyHex: string): TlogPart {
    const note = new CheckpointSigner(true).sign(this.store, this.key);
    const size = parseCheckpointText(parseNote(note).text).size;
    const p = this.partners()[partnerKeyHex] ?? {};
    const oldSize = Math.min(p.cosignedSize ?? 0, size);
    const theirs = p.origin ? this.witness.latest(p.origin) : undefined;
    return { note, oldSize, proof: historyConsistency(this.store, oldSize, size), cosigned: theirs ? [theirs.note] : [] };
  }

  /**
   * Handles the C2SP part of a message from a partner whose entanglement checkpoint names chain
   * `chainIdHex`: cosigns its note when it may, and files the cosignatures it returns.
   */
  pullPart(partnerKeyHex: string, chainIdHex: string, part: TlogPart): PullTlogResult {
    const out: PullTlogResult = {};
    const head = parseCheckpointText(parseNote(part.note).text);
    // Only a checkpoint of the chain the partner entangles, named as urchain names chains.
    if (!isOriginOfChain(head.origin, chainIdHex))
      return { refused: { status: 404, reason: `checkpoint origin ${JSON.stringify(head.origin)} is not the origin of the partner's chain ${chainIdHex.slice(0, 16)}…` } };
    const partnerKey = fromHex(partnerKeyHex, 32, 'partner key');
    this.expect.set(partnerKeyHex, { origin: head.origin, key: noteKey(head.origin, partnerKey) });
    try {
      const a = this.witness.add(addCheckpointBody(part.oldSize, part.proof, part.note));
      if (a.status === 200) {
        this.setPartner(partnerKeyHex, { origin: head.origin });
        out.cosigned = { origin: head.origin, size: head.size, oldSize: part.oldSize };
      } else {
        if (a.status === 422) writeFileAtomic(path.join(tlogDir(this.dataDir), 'evidence', `${Date.now()}-${partnerKeyHex.slice(0, 16)}.txt`), addCheckpointBody(part.oldSize, part.proof, part.note));
        out.refused = { status: a.status, reason: a.status === 409 ? `conflict: the last checkpoint cosigned for ${head.origin} has size ${a.body.trim()}, the partner sent a proof from ${part.oldSize}` : a.body.trim() };
        // Even so, the partner learns which size we last cosigned: it is in our next push.
        this.setPartner(partnerKeyHex, { origin: head.origin });
      }
    } finally {
      this.expect.delete(partnerKeyHex);
    }
    for (const note of part.cosigned) {
      const r = this.fileCosigned(note, cosignerKey(head.origin, partnerKey));
      if (r) {
        out.returned = r;
        const known = this.partners()[partnerKeyHex]?.cosignedSize ?? 0;
        if (r.size > known) this.setPartner(partnerKeyHex, { cosignedSize: r.size });
      }
    }
    return out;
  }

  /** Checks a note of this chain cosigned by `cosigner` and merges its line into cosigned/<size>.note. */
  private fileCosigned(note: string, cosigner: ReturnType<typeof cosignerKey>): { size: number; time: number } | undefined {
    let head;
    try {
      head = openTreeHead(note, [noteKey(this.origin, this.key.publicKey)], this.origin);
    } catch {
      return undefined; // not a note of this chain signed by this key: nothing to file
    }
    const cs = verifyCosignatures(note, [cosigner]);
    if (!cs.length) return undefined;
    const file = cosignedFile(this.dataDir, head.size);
    const had = readIfExists(file);
    const base = had ?? `${parseNote(note).text}\n${linesOf(note, noteKey(this.origin, this.key.publicKey)).join('')}`;
    if (had && parseNote(had).text !== parseNote(note).text) throw UrchainError.STORE(`${file} holds another checkpoint of size ${head.size}: this chain signed two different checkpoints of one size`);
    const merged = linesOf(base, cosigner).length ? base : `${base}${linesOf(note, cosigner).join('')}`;
    if (merged !== had) writeFileAtomic(file, merged);
    return { size: head.size, time: cs[0].time };
  }
}

interface NoteKeyFor {
  origin: string;
  key: ReturnType<typeof noteKey>;
}

export interface PullTlogResult {
  /** The partner's checkpoint this chain cosigned. */
  cosigned?: { origin: string; size: number; oldSize: number };
  /** The partner's checkpoint this chain refused to cosign, with the witness status code. */
  refused?: { status: number; reason: string };
  /** A cosignature of this chain's checkpoint the partner returned, filed for prove. */
  returned?: { size: number; time: number };
}

/** Runs `fn` with the C2SP side of entanglement for data folder `dataDir` (none without one). */
export async function withEntangleTlog<T>(dataDir: string | undefined, key: KeyPair, fn: (t: EntangleTlog | undefined) => Promise<T>): Promise<T> {
  if (!dataDir) return fn(undefined);
  const store = await LmdbStore.open(dataDir, { readOnly: true });
  try {
    return await fn(new EntangleTlog(dataDir, store, key));
  } finally {
    await store.close();
  }
}
