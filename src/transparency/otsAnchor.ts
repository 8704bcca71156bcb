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
 * text again sends nothing, unless fewer than MIN_CALENDARS calendars hold it and Bitcoin does not
 * yet: then it is sent to the calendars given that do not hold it (a top-up).
 * Upgrading asks each pending attestation's calendar for its Bitcoin path (only calendars
 * calendarAllowed admits, at most MAX_ASKED per file), merges it when it holds a Bitcoin
 * attestation and drops that pending attestation; the others stay until their calendars answer
 * (the OTS convention). The merged file must parse again before it replaces the old one.
 * The callers (commands/anchor*) hold a lock on the folder, so overlapping runs do not overwrite
 * each other's calendar answers.
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
import { calendarAllowed, calendarUrl, fetchTimestamp, submitDigest, type CalendarOptions } from './otsCalendar.js';

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
  /** Bitcoin holds it, or at least MIN_CALENDARS calendars do (one calendar given is never redundant). */
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
  let d: DetachedTimestamp | undefined;
  // The note alone is evidence too (a run that died between the two writes): a different
  // checkpoint of this size is a conflict whether or not its .ots made it to disk.
  if (fs.existsSync(files.note)) {
    const kept = checkpointDigest(fs.readFileSync(files.note, 'utf8'));
    if (kept.text !== c.text) throw UrchainError.CONFLICT(`${files.note} holds another checkpoint of size ${c.size}: two inconsistent checkpoints of one log`);
  }
  if (fs.existsSync(files.ots)) {
    d = parseOts(new Uint8Array(fs.readFileSync(files.ots)));
    if (toHex(d.digest) !== toHex(c.digest)) throw UrchainError.CONFLICT(`${files.ots} does not stamp ${files.note}`);
  }
  let results: CalendarResult[] = [];
  let submitted = false;
  const status0 = d && otsStatus(d);
  const targets = d ? calendars.filter((u) => !status0!.pending.includes(u)) : calendars;
  // A top-up goes only to calendars that do not hold it yet: asking one again adds nothing.
  if (!d || (status0!.bitcoin.length === 0 && status0!.pending.length < MIN_CALENDARS && targets.length)) {
    let node: Timestamp;
    if (d) node = commitmentNode(d);
    else {
      d = { hashOp: 'sha256', digest: c.digest, timestamp: { items: [] } };
      node = addOp(addOp(d.timestamp, { op: 'append', arg: new Uint8Array(crypto.randomBytes(NONCE_LEN)) }), { op: 'sha256' });
    }
    const commitment = commitmentOf(d);
    const fresh = !status0;
    results = await submitAll(node, commitment, targets, o);
    if (!results.some((r) => r.ok)) {
      if (fresh) throw UrchainError.UNAVAILABLE(`no calendar took the checkpoint: ${results.map((r) => `${r.url}: ${r.error}`).join('; ')}`);
    } else {
      writeFileDurable(files.note, note);
      writeFileDurable(files.ots, serializeOts(d));
      submitted = true;
    }
  }
  const s = otsStatus(d);
  return { size: c.size, origin: c.origin, digest: toHex(c.digest), note: files.note, ots: files.ots, submitted, calendars: results, ...s, redundant: s.bitcoin.length > 0 || s.pending.length >= MIN_CALENDARS };
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

/** Most pending attestations of one file asked per run: a file may name any number. */
export const MAX_ASKED = 8;

export interface UpgradeOptions extends CalendarOptions {
  /** Calendars configured (`--calendar`): their origins may be asked besides the public ones. */
  calendars?: readonly string[];
}

/** Upgrades one anchor: merges what its pending calendars now have, rewrites it when it changed. */
export async function upgradeAnchor(f: AnchorFiles, o: UpgradeOptions = {}): Promise<UpgradeReport> {
  const d = parseOts(new Uint8Array(fs.readFileSync(f.ots)));
  const configured = (o.calendars ?? []).map(calendarUrl);
  const errors: UpgradeReport['errors'] = [];
  let upgraded = false;
  let asked = 0;
  for (const a of attestations(d.timestamp, d.digest)) {
    if (a.attestation.type !== 'pending') continue;
    const uri = a.attestation.uri;
    if (!calendarAllowed(uri, configured)) {
      errors.push({ calendar: uri, error: 'not asked: not one of the calendars configured (--calendar) nor a public one' });
      continue;
    }
    if (++asked > MAX_ASKED) {
      errors.push({ calendar: uri, error: `not asked: the file names more than ${MAX_ASKED} pending calendars` });
      continue;
    }
    try {
      const t = await fetchTimestamp(uri, a.commitment, o);
      // Only a Bitcoin attestation completes the stamp: anything else keeps the pending one.
      if (!t || !attestations(t, a.commitment).some((x) => x.attestation.type === 'bitcoin')) continue;
      mergeTimestamp(a.node, t);
      removeAttestation(a.node, a.attestation);
      upgraded = true;
    } catch (e) {
      errors.push({ calendar: uri, error: (e as Error).message });
    }
  }
  if (upgraded) {
    const bytes = serializeOts(d);
    // What replaces a good file must read back as one.
    const back = parseOts(bytes);
    if (toHex(back.digest) !== toHex(d.digest)) throw UrchainError.INTERNAL(`${f.ots}: the upgraded file does not stamp the same digest`);
    writeFileDurable(f.ots, bytes);
  }
  return { size: f.size, ots: f.ots, upgraded, ...otsStatus(d), errors };
}

/**
 * Upgrades every anchor of a folder that still has a pending attestation. One anchor that cannot
 * be read or upgraded is reported (its errors, calendar "") and the others still are.
 */
export async function upgradeAnchors(dir: string, o: UpgradeOptions = {}): Promise<UpgradeReport[]> {
  const out: UpgradeReport[] = [];
  for (const f of listAnchors(dir)) {
    try {
      const d = parseOts(new Uint8Array(fs.readFileSync(f.ots)));
      const s = otsStatus(d);
      out.push(s.pending.length ? await upgradeAnchor(f, o) : { size: f.size, ots: f.ots, upgraded: false, ...s, errors: [] });
    } catch (e) {
      out.push({ size: f.size, ots: f.ots, upgraded: false, bitcoin: [], pending: [], errors: [{ calendar: '', error: `${f.ots}: ${(e as Error).message}` }] });
    }
  }
  return out;
}
