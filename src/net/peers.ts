/**
 * @module net/peers
 * The table of peers currently online and how it is learned: no broadcast, only asking linked
 * peers (GET_PEERS, every 10 s and on each new link) and hearing of newcomers (PEERS). A peer
 * unseen for PEER_TTL_MS that is not linked leaves the table. Only member keys with an address
 * this node can dial are kept, and what a peer says is checked before it is kept or passed on.
 *
 * Dialing: every second the node tops its links up to the limit from this table, with the seeds
 * when the table has too few, shuffled so that nodes spread their links. A peer that stays down
 * is dialed again each second; its refusal is reported once a minute, not each time.
 */
import { asArray, asBytes, asText, type CborValue } from '../codec/cbor.js';
import { toHex, fromHex, equal } from '../codec/bytes.js';
import { UrchainError } from '../errors.js';
import type { NetContext } from './context.js';
import type { Link, LinkContext } from './link.js';
import { checkMembers, roleOf, type MemberList } from './members.js';
import { Msg } from './wire.js';

/** A peer not heard of for this long (and not linked) leaves the table. */
export const PEER_TTL_MS = 120_000;
/** Most peers one PEERS message may list. */
const MAX_PEERS_LISTED = 10_000;
/** A dial that keeps failing the same way is reported again after this long. */
const REFUSAL_REPORT_MS = 60_000;

/**
 * True iff `listen` is a HOST:PORT this node can dial: what peers say (HELLO, PEERS) is checked
 * before it is kept or passed on, because `ws://…` is parsed only at the dial, where a host such
 * as `12k.0.0.1` (a dotted name ending in a number must be an IPv4 address) or port 99999 throws.
 */
export function dialable(listen: string): boolean {
  const m = /^([\w.\-[\]:]{1,100}):(\d{1,5})$/.exec(listen);
  if (!m || Number(m[2]) < 1 || Number(m[2]) > 65535) return false;
  try {
    return new URL(`ws://${listen}/`).hostname !== '';
  } catch {
    return false;
  }
}

export interface PeerInfo {
  key: string;
  listen: string;
  role: string;
  lastSeen: number;
}

export class PeerTable {
  readonly peers = new Map<string, PeerInfo>();
  /** The last refusal reported per dialed address. */
  private refusals = new Map<string, { message: string; at: number }>();

  constructor(private readonly net: NetContext) {}

  /** A peer that proved its key: kept when its address can be dialed; true when it was. */
  linked(key: string, listen: string, role: string, address: string): boolean {
    this.refusals.delete(address);
    if (!listen || !dialable(listen)) return false;
    this.peers.set(key, { key, listen, role, lastSeen: Date.now() });
    return true;
  }

  /**
   * Should a failed handshake be reported? Outbound ones once a minute per address and message
   * (a peer that stays down is dialed every second). A failed handshake costs no score: the peer
   * has proved no key, and the key its HELLO named may be a member's (an impostor must not get a
   * member banned). Closing the socket is all it costs; the handshake deadline bounds how long it
   * holds one.
   */
  reportRefusal(address: string, direction: 'in' | 'out', message: string): boolean {
    if (direction === 'in') return true;
    const last = this.refusals.get(address);
    if (last && last.message === message && Date.now() - last.at <= REFUSAL_REPORT_MS) return false;
    this.refusals.set(address, { message, at: Date.now() });
    return true;
  }

  /** Addresses to dial for up to `want` more links: stale peers dropped first, then candidates. */
  toDial(want: number, banned: (key: string) => boolean): string[] {
    const now = Date.now();
    const { links, o } = this.net;
    for (const [k, p] of this.peers) if (now - p.lastSeen > PEER_TTL_MS && !links.has(k)) this.peers.delete(k);
    if (want <= 0) return [];
    const self = toHex(o.key.publicKey);
    const linkedAddrs = new Set([...links.values()].map((l) => l.hello?.listen).filter(Boolean));
    const candidates = [...this.peers.values()].filter((p) => !links.has(p.key) && p.key !== self && !linkedAddrs.has(p.listen) && !banned(p.key)).map((p) => p.listen);
    // Seeds when the table has too few; shuffled so nodes spread their links. An authority that
    // needs countersignatures links to the other authorities first.
    if (candidates.length < want) candidates.push(...o.seeds.filter((s) => !linkedAddrs.has(s)));
    const first = o.countersigns && o.tree.params.threshold > 1 ? this.authorityAddresses() : new Set<string>();
    return shuffle([...new Set(candidates)])
      .sort((x, y) => Number(first.has(y)) - Number(first.has(x)))
      .slice(0, want);
  }

  private authorityAddresses(): Set<string> {
    const auth = new Set(this.net.o.tree.params.authorities.map(toHex));
    return new Set([...this.peers.values()].filter((p) => auth.has(p.key)).map((p) => p.listen));
  }

  /** The table for `urchain peers`: each peer and whether it is linked now. */
  status(): { key: string; listen: string; role: string; linked: boolean }[] {
    return [...this.peers.values()].map((p) => ({ key: p.key, listen: p.listen, role: p.role, linked: this.net.links.has(p.key) }));
  }

  /** GET_PEERS: the peers seen lately, and this node itself when it can be dialed. */
  onGetPeers(_m: CborValue[], from: Link): void {
    const now = Date.now();
    const { o, advertised } = this.net;
    const list: CborValue[] = [...this.peers.values()].filter((p) => now - p.lastSeen < PEER_TTL_MS).map((p) => [fromHex(p.key), p.listen, p.role]);
    if (advertised) list.push([o.key.publicKey, advertised, o.role.type]);
    from.send([Msg.PEERS, list]);
  }

  /** PEERS: keeps the members it lists that can be dialed (this node aside). */
  onPeers(m: CborValue[]): void {
    const list = m[1];
    if (!Array.isArray(list) || list.length > MAX_PEERS_LISTED) throw UrchainError.BAD_INPUT('PEERS: expected an array');
    const { o } = this.net;
    for (const e of list) {
      const a = asArray(e, 3, 'peer');
      const key = asBytes(a[0], 'key', 32);
      if (!roleOf(o.members(), key) || equal(key, o.key.publicKey)) continue;
      const listen = asText(a[1], 'listen');
      if (!dialable(listen)) continue;
      this.peers.set(toHex(key), { key: toHex(key), listen, role: asText(a[2], 'role'), lastSeen: Date.now() });
    }
  }
}

/**
 * Who may link, for the handshake: a member key that is not banned now (a banned key is told when
 * its ban ends), and a newer member list a peer offers, checked against the network key this
 * node knows before it is adopted.
 */
export function admission(net: NetContext, bannedUntil: (key: string) => number | undefined): Pick<LinkContext, 'members' | 'offerMembers' | 'admit'> {
  const { o } = net;
  return {
    members: o.members,
    offerMembers: (l: MemberList) => {
      checkMembers(l, o.members()?.networkKey);
      if (o.adoptMembers(l)) o.onEvent({ event: 'members', serial: l.serial, members: l.members.length });
    },
    admit: (k: Uint8Array) => {
      const until = bannedUntil(toHex(k));
      if (until) throw UrchainError.FORBIDDEN(`key ${toHex(k).slice(0, 16)}… is banned until ${new Date(until).toISOString()}`);
      return roleOf(o.members(), k);
    },
  };
}

function shuffle<T>(xs: T[]): T[] {
  for (let i = xs.length - 1; i > 0; i--) {
    const j = Math.floor(Math.random() * (i + 1));
    [xs[i], xs[j]] = [xs[j], xs[i]];
  }
  return xs;
}
