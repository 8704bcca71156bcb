/**
 * @module transparency/otsFolder
 * The anchors folder (layout in transparency/otsAnchor) as far as reading it goes, and its one
 * checkpoint digest: what `prove --anchor` needs without loading the calendar client (files are
 * written with io/durableFile).
 */
import fs from 'node:fs';
import path from 'node:path';
import { utf8 } from '../codec/bytes.js';
import { sha256 } from '../crypto/hash.js';
import { UrchainError } from '../errors.js';
import { parseNote } from './note.js';
import { parseCheckpointText } from './checkpoint.js';
import { attestations, type DetachedTimestamp } from './ots.js';

/** Calendars that should hold each anchor: one may vanish (its pending attestations die with it). */
export const MIN_CALENDARS = 2;

export interface AnchorFiles {
  size: number;
  note: string;
  ots: string;
}

export const anchorFiles = (dir: string, size: number): AnchorFiles => ({ size, note: path.join(dir, `checkpoint-${size}.note`), ots: path.join(dir, `checkpoint-${size}.ots`) });

/** The anchors in a folder (those with both files), by size. */
export function listAnchors(dir: string): AnchorFiles[] {
  let names: string[];
  try {
    names = fs.readdirSync(dir);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw UrchainError.BAD_INPUT(`cannot read the anchors folder ${dir}: ${(e as NodeJS.ErrnoException).code}`);
  }
  return names
    .map((n) => /^checkpoint-(0|[1-9][0-9]{0,15})\.ots$/.exec(n))
    .filter((m): m is RegExpExecArray => !!m && names.includes(`checkpoint-${m[1]}.note`))
    .map((m) => anchorFiles(dir, Number(m[1])))
    .sort((a, b) => a.size - b.size);
}

/** The stamped text of a checkpoint note and its SHA-256. */
export function checkpointDigest(note: string): { text: string; digest: Uint8Array; size: number; origin: string } {
  const { text } = parseNote(note);
  const h = parseCheckpointText(text);
  return { text, digest: sha256(utf8(text)), size: h.size, origin: h.origin };
}

/** The status of one .ots: heights of its bitcoin attestations, URIs still pending. */
export function otsStatus(d: DetachedTimestamp): { bitcoin: number[]; pending: string[] } {
  const all = attestations(d.timestamp, d.digest);
  return {
    bitcoin: [...new Set(all.flatMap((a) => (a.attestation.type === 'bitcoin' ? [a.attestation.height] : [])))].sort((a, b) => a - b),
    pending: [...new Set(all.flatMap((a) => (a.attestation.type === 'pending' ? [a.attestation.uri] : [])))].sort(),
  };
}
