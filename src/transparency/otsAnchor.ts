/**
 * @module transparency/otsAnchor
 * Anchoring a chain's C2SP checkpoint in Bitcoin through OpenTimestamps calendars, and the
 * anchors folder that keeps the result:
 *
 *   ANCHORS/checkpoint-N.note   the signed checkpoint note of tree size N, as the chain signed it
 *   ANCHORS/checkpoint-N.ots    an OpenTimestamps proof of SHA-256(the note's text)
 *
 * What is stamped is the checkpoint's text (origin, size, root lines: everything the signatures
 * sign, before the blank line), not the whole note: the text is the statement whose time matters,
 * and it stays the same when cosignatures are added to the note later, so one anchor serves every
 * copy of the checkpoint. With the reference client: `sed '/^$/,$d' checkpoint-N.note >
 * checkpoint-N.txt` writes the stamped bytes, `ots verify -f checkpoint-N.txt checkpoint-N.ots`.
 *
 * As the reference client does, the digest is not sent as it is: a random 16-byte nonce is
 * appended and the result hashed (the calendars learn nothing about the checkpoint), and that
 * commitment goes to every calendar; their answers hang below it in one .ots. Anchoring the same
 * text again sends nothing, unless fewer calendars than asked for (at most MIN_CALENDARS) hold
 * it and Bitcoin does not yet: then it is sent again to the calendars given (a top-up).
 * Upgrading asks each pending attestation's calendar for its Bitcoin path, merges it, and drops
 * that pending attestation; the others stay until their calendars answer (the OTS convention).
 * Files are replaced atomically and durably (io/durableFile: temp file, fsync, rename, fsync of the
 * folder, which is itself fsynced into its parent when created).
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import { concat, toHex } from '../codec/bytes.js';
import { sha256 } from '../crypto/hash.js';
import { UrchainError } from '../errors.js';
import { writeFileDurable } from '../io/durableFile.js';
import { anchorFiles, checkpointDigest, listAnchors, otsStatus, MIN_CALENDARS, type AnchorFiles } from './otsFolder.js';
import { addOp, attestations, mergeTimestamp, parseOts, removeAttestation, serializeOts, type DetachedTimestamp, type Timestamp } from './ots.js';
import { calendarUrl, fetchTimestamp, submitDigest, type CalendarOptions } from './otsCalendar.js';

export { MIN_CALENDARS, listAnchors, anchorFiles, type AnchorFiles } from './otsFolder.js';
const NONCE_LEN = 16;

export interface CalendarResult {
  url: string;
  ok: boolean;
  error?: string;
}

export interface AnchorReport {
  size: number;
  origin: string;
  digest: string;
  note: string;
  ots: string;
  /** True when this run sent the checkpoint to calendars. */
  submitted: boolean;
  calendars: CalendarResult[];
  bitcoin: number[];
  pending: string[];
  /** Calendars holding it (or Bitcoin) reach what was asked for. */
  redundant: boolean;
}

/** Submits `commitment` to every calendar at once; merges the answers into `node`. */
async function submitAll(node: Timestamp, commitment: Uint8Array, calendars: string[], o: CalendarOptions): Promise<CalendarResult[]> {
  const answers = await Promise.allSettled(calendars.map((c) => submitDigest(c, commitment, o)));
  return answers.map((a, i) => {
    if (a.status === 'fulfilled') {
      mergeTimestamp(node, a.value);
      return { url: calendars[i], ok: true };
    }
    return { url: calendars[i], ok: false, error: (a.reason as Error).message };
  });
}

/**
 * Anchors a signed checkpoint note into `dir` (created if missing) through `calendars`. Throws
 * UNAVAILABLE, writing nothing, when no calendar took it; CONFLICT when the folder holds another
 * checkpoint of this size (a log must never sign two: something is badly wrong).
 */
export async function anchorCheckpoint(note: string, dir: string, calendarsIn: readonly string[], o: CalendarOptions = {}): Promise<AnchorReport> {
  const calendars = [...new Set(calendarsIn.map(calendarUrl))];
  if (!calendars.length) throw UrchainError.BAD_INPUT('anchor: no calendar given');
  const c = checkpointDigest(note);
  const files = anchorFiles(dir, c.size);
  const want = Math.min(MIN_CALENDARS, calendars.length);
  let d: DetachedTimestamp | undefined;
  if (fs.existsSync(files.note) && fs.existsSync(files.ots)) {
    const kept = checkpointDigest(fs.readFileSync(files.note, 'utf8'));
    if (kept.text !== c.text) throw UrchainError.CONFLICT(`${files.note} holds another checkpoint of size ${c.size}: two inconsistent checkpoints of one log`);
    d = parseOts(new Uint8Array(fs.readFileSync(files.ots)));
    if (toHex(d.digest) !== toHex(c.digest)) throw UrchainError.CONFLICT(`${files.ots} does not stamp ${files.note}`);
  }
  let results: CalendarResult[] = [];
  let submitted = false;
  const status0 = d && otsStatus(d);
  if (!d || (status0!.bitcoin.length === 0 && status0!.pending.length < want)) {
    let node: Timestamp;
    if (d) node = commitmentNode(d);
    else {
      d = { hashOp: 'sha256', digest: c.digest, timestamp: { items: [] } };
      node = addOp(addOp(d.timestamp, { op: 'append', arg: new Uint8Array(crypto.randomBytes(NONCE_LEN)) }), { op: 'sha256' });
    }
    const commitment = commitmentOf(d);
    const fresh = !fs.existsSync(files.ots);
    const targets = fresh ? calendars : calendars.filter((u) => !status0!.pending.includes(u));
    results = await submitAll(node, commitment, targets.length ? targets : calendars, o);
    if (!results.some((r) => r.ok)) {
      if (fresh) throw UrchainError.UNAVAILABLE(`no calendar took the checkpoint: ${results.map((r) => `${r.url}: ${r.error}`).join('; ')}`);
    } else {
      writeFileDurable(files.note, note);
      writeFileDurable(files.ots, serializeOts(d));
      submitted = true;
    }
  }
  const s = otsStatus(d);
  return { size: c.size, origin: c.origin, digest: toHex(c.digest), note: files.note, ots: files.ots, submitted, calendars: results, ...s, redundant: s.bitcoin.length > 0 || s.pending.length >= want };
}

/** The node below the nonce: append(nonce), sha256 — where calendar answers hang. */
function commitmentNode(d: DetachedTimestamp): Timestamp {
  const first = d.timestamp.items.find((it) => 'op' in it && it.op.op === 'append');
  const second = first && 'next' in first ? first.next.items.find((it) => 'op' in it && it.op.op === 'sha256') : undefined;
  if (!second || !('next' in second)) throw UrchainError.BAD_ENCODING('anchor .ots: not the append(nonce), sha256 shape urchain writes');
  return second.next;
}

function commitmentOf(d: DetachedTimestamp): Uint8Array {
  const first = d.timestamp.items.find((it) => 'op' in it && it.op.op === 'append') as { op: { arg: Uint8Array } };
  return sha256(concat(d.digest, first.op.arg));
}

export interface UpgradeReport {
  size: number;
  ots: string;
  /** True when the file was rewritten with new attestations. */
  upgraded: boolean;
  bitcoin: number[];
  pending: string[];
  errors: { calendar: string; error: string }[];
}

/** Upgrades one anchor: merges what its pending calendars now have, rewrites it when it changed. */
export async function upgradeAnchor(f: AnchorFiles, o: CalendarOptions = {}): Promise<UpgradeReport> {
  const d = parseOts(new Uint8Array(fs.readFileSync(f.ots)));
  const errors: UpgradeReport['errors'] = [];
  let upgraded = false;
  for (const a of attestations(d.timestamp, d.digest)) {
    if (a.attestation.type !== 'pending') continue;
    const uri = a.attestation.uri;
    try {
      const t = await fetchTimestamp(uri, a.commitment, o);
      if (!t) continue;
      const found = attestations(t, a.commitment).filter((x) => x.attestation.type !== 'pending');
      if (!found.length) continue;
      mergeTimestamp(a.node, t);
      removeAttestation(a.node, a.attestation);
      upgraded = true;
    } catch (e) {
      errors.push({ calendar: uri, error: (e as Error).message });
    }
  }
  if (upgraded) writeFileDurable(f.ots, serializeOts(d));
  return { size: f.size, ots: f.ots, upgraded, ...otsStatus(d), errors };
}

/** Upgrades every anchor of a folder that still has a pending attestation. */
export async function upgradeAnchors(dir: string, o: CalendarOptions = {}): Promise<UpgradeReport[]> {
  const out: UpgradeReport[] = [];
  for (const f of listAnchors(dir)) {
    const d = parseOts(new Uint8Array(fs.readFileSync(f.ots)));
    const s = otsStatus(d);
    out.push(s.pending.length ? await upgradeAnchor(f, o) : { size: f.size, ots: f.ots, upgraded: false, ...s, errors: [] });
  }
  return out;
}
