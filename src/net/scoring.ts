/**
 * @module net/scoring
 * Bad peers (urchain-network(7), BAD PEERS). Every error a peer's message causes costs its key
 * the error's `penalty` from the one error table (src/errors.ts): a forgery, a malformed or
 * oversized message or an invalid block costs a whole ban at once, a flood half, anything else a
 * little. A key that has lost BAN_SCORE points is banned for BAN_MS.
 *
 * Points are forgotten over time: a key's debt halves every SCORE_HALF_LIFE_MS, counted in whole
 * periods from its first point lost. An honest peer that trips a small local failure now and
 * then (twenty of 5 points over a week) is never banned, while the same twenty within a minute
 * still reach the threshold exactly: whole periods, not a continuous decay, so a burst inside one
 * period adds up to the full sum.
 */
import { UrchainError, asUrchainError } from '../errors.js';
import type { NetContext } from './context.js';
import type { Link } from './link.js';

/** Points lost that ban a key (the table's 100: one forgery bans at once). */
export const BAN_SCORE = 100;
/** How long a ban lasts. */
export const BAN_MS = 60_000;
/** A key's debt halves after each whole period of this length since its first point lost. */
export const SCORE_HALF_LIFE_MS = 60 * 60_000;
/** A debt that has decayed below one point is forgotten (and its key leaves the table). */
const FORGET_BELOW = 1;

/**
 * Points a peer loses for an error: the table's `penalty` for its code, unless the error names
 * its own in `meta.penalty` (a non-member's batch is FORBIDDEN, which costs 5 in the table, but a
 * member relaying one is banned at once: it must have checked the origin before passing it on).
 */
export function penalty(e: unknown): number {
  const x = asUrchainError(e);
  const own = x.meta.penalty;
  return typeof own === 'number' ? own : x.spec.penalty;
}

interface Debt {
  points: number;
  /** Start of the current half-life period. */
  since: number;
}

/** Scores and bans by hex key; `now` is injectable so tests step a clock instead of waiting. */
export class Scores {
  private debts = new Map<string, Debt>();
  /** Banned keys and when their ban ends. */
  readonly bans = new Map<string, number>();

  constructor(private readonly now: () => number = Date.now) {}

  /** The key's score now: 0 for a key in good standing, down to -BAN_SCORE. */
  score(key: string): number {
    return -(this.current(key)?.points ?? 0);
  }

  /** Takes `points` off the key's score; `banned` when that reaches -BAN_SCORE (the debt is then cleared). */
  punish(key: string, points: number): { score: number; banned: boolean } {
    const d = this.current(key) ?? { points: 0, since: this.now() };
    d.points += points;
    if (d.points >= BAN_SCORE) {
      this.debts.delete(key);
      this.bans.set(key, this.now() + BAN_MS);
      return { score: -d.points, banned: true };
    }
    if (d.points > 0) this.debts.set(key, d);
    return { score: -d.points, banned: false };
  }

  /** When the key's ban ends, or undefined when it is not banned. */
  bannedUntil(key: string): number | undefined {
    const until = this.bans.get(key);
    if (until === undefined) return undefined;
    if (until > this.now()) return until;
    this.bans.delete(key);
    return undefined;
  }

  /** Keys banned now. */
  banned(): string[] {
    return [...this.bans.keys()].filter((k) => this.bannedUntil(k) !== undefined);
  }

  /** The key's debt with every whole period since it started applied. */
  private current(key: string): Debt | undefined {
    const d = this.debts.get(key);
    if (!d) return undefined;
    const periods = Math.floor((this.now() - d.since) / SCORE_HALF_LIFE_MS);
    if (periods > 0) {
      d.points /= 2 ** periods;
      d.since += periods * SCORE_HALF_LIFE_MS;
    }
    if (d.points >= FORGET_BELOW) return d;
    this.debts.delete(key);
    return undefined;
  }
}

/**
 * Scores the key behind `link` for `err` and reports it (`bad-peer`); when that bans the key, the
 * offending link (it may already be out of the table) and the key's link in the table are closed
 * with an ERROR saying why. Only a link whose peer proved its key (`up`) is scored: the key in an
 * unproved HELLO is only a claim.
 */
export function punishLink(net: NetContext, scores: Scores, link: Link, err: unknown): void {
  if (!link.up) return;
  const e = asUrchainError(err);
  const peer = link.peerHex;
  const why = `${e.code}: ${e.message}`;
  const points = penalty(e);
  const { score, banned } = scores.punish(peer, points);
  net.o.onEvent({ event: 'bad-peer', peer, points, score, why });
  if (!banned) return;
  const tell = UrchainError.FORBIDDEN(`banned for ${BAN_MS / 1000} s: ${why}`);
  link.close(`banned: ${why}`, tell);
  net.links.get(peer)?.close(`banned: ${why}`, tell);
}
