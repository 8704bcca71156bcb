/**
 * @module crypto/signed
 * Every byte string urchain signs is built here and nowhere else, so a reader finds in one file
 * what each signature covers, and a change to any of them shows up in one golden test
 * (test/crypto/signed.test.ts). Each signed message is a domain tag followed by a 32-byte hash
 * (DESIGN decision 1):
 *
 *   message = ASCII tag || SHA-256(what the message is about)
 *
 * so a signature made for one purpose never verifies for another. The constructors return a
 * `Signable`, and crypto/ed25519 signs and verifies nothing else: bytes assembled anywhere
 * outside this file do not type-check as a message.
 *
 *   batch       tag || SHA-256(CBOR [n, batchRoot])                          chain/batch
 *   block       tag || blockHash  (SHA-256 of the canonical header)          chain/header, PoA countersigning
 *   checkpoint  tag || SHA-256(CBOR checkpoint)                              chain/checkpoint
 *   envelope    tag || SHA-256(CBOR [1, from, to, sentAt, eph, nonce, ct])   global/envelope
 *   request     tag || SHA-256(CBOR [method, path, query, time, nonce, SHA-256(body)])  global/auth
 *   members     tag || SHA-256(CBOR member list)                             net/members
 *   link        tag || SHA-256(CBOR [peer's nonce, signer key, peer key, chainId])      net/link
 *   note        the note text itself (c2sp.org/signed-note: Ed25519 over the raw text)  transparency/note
 *
 * The note is the one exception to "tag || hash": C2SP fixes what a note signature covers, so
 * tools urchain did not write can check it. It stays apart from every tagged message because a
 * note text urchain signs may not begin with "urchain/" (every DOMAIN tag does): the origin of
 * urchain's checkpoints begins "urchain.example/" (transparency/origin).
 *
 * The checkpoint and the member list are formats of their own (carried as bytes, decoded by
 * their modules), so their constructors take the encoded bytes; every other hashed structure
 * exists only to be signed and is encoded here.
 */
import { encode } from '../codec/cbor.js';
import { concat, utf8 } from '../codec/bytes.js';
import { sha256 } from './hash.js';
import { badInput } from '../errors.js';

/** Signature domains: the first bytes of every signed message. */
export const DOMAIN = {
  batch: 'urchain/batch/v1',
  block: 'urchain/block/v1',
  checkpoint: 'urchain/checkpoint/v1',
  envelope: 'urchain/envelope/v1',
  request: 'urchain/broker-request/v1',
  members: 'urchain/members/v1',
  link: 'urchain/link/v1',
} as const;
export type Domain = keyof typeof DOMAIN;

/**
 * Key-derivation labels (HKDF info) from the same namespace. Nothing is signed under them, but
 * they are tags all the same and live in the one table so that no two ever collide.
 */
export const KDF_INFO = {
  /** Sealing to a network key (crypto/seal). */
  seal: 'urchain/seal/v1',
  /** Profichain tier-1 session keys (ingest/profichain/session), followed by the node key. */
  profichain: 'urchain/profichain/v1',
} as const;

declare const signable: unique symbol;
/** Bytes built by a constructor of this module: the only input crypto/ed25519 signs or verifies. */
export type Signable = Uint8Array & { readonly [signable]: true };

const tagBytes = new Map<Domain, Uint8Array>((Object.keys(DOMAIN) as Domain[]).map((d) => [d, utf8(DOMAIN[d])]));

/** The generic form: ASCII domain tag || 32-byte hash. The constructors below name each use. */
export function signedMessage(domain: Domain, hash: Uint8Array): Signable {
  if (hash.length !== 32) throw badInput(`signed hash: expected 32 bytes, got ${hash.length}`);
  return concat(tagBytes.get(domain)!, hash) as Signable;
}

/**
 * What a c2sp.org/signed-note signature covers: the note text bytes (final newline included).
 * Refuses a text that could be mistaken for a tagged message (one starting "urchain/").
 */
export function noteMessage(text: Uint8Array): Signable {
  if (startsWith(text, URCHAIN_PREFIX)) throw badInput('note text: may not begin with "urchain/" (the prefix of every urchain signature domain)');
  return text as Signable;
}
const URCHAIN_PREFIX = utf8('urchain/');
const startsWith = (b: Uint8Array, p: Uint8Array) => b.length >= p.length && p.every((x, i) => b[i] === x);

/** SHA-256 of CBOR [size, root]: the batch tree head (the size is signed with the root). */
export const batchHead = (size: number, root: Uint8Array): Uint8Array => sha256(encode([size, root]));

/** What an origin key signs once per commit: the head of the batch of transactions it took in. */
export const batchMessage = (size: number, root: Uint8Array): Signable => signedMessage('batch', batchHead(size, root));

/** What block producers, authorities and PoA countersigners sign: the block hash. */
export const blockMessage = (blockHash: Uint8Array): Signable => signedMessage('block', blockHash);

/** What a network signs to state its head: the hash of the canonical checkpoint bytes. */
export const checkpointMessage = (checkpointBytes: Uint8Array): Signable => signedMessage('checkpoint', sha256(checkpointBytes));

export interface EnvelopeFields {
  from: Uint8Array;
  to: Uint8Array;
  sentAt: number;
  eph: Uint8Array;
  nonce: Uint8Array;
  ct: Uint8Array;
}

/** What the sending network signs for the broker: every field of the envelope but the signature. */
export const envelopeMessage = (e: EnvelopeFields): Signable => signedMessage('envelope', sha256(encode([1, e.from, e.to, e.sentAt, e.eph, e.nonce, e.ct])));

export interface RequestFields {
  method: string;
  /** The request target up to the first "?", as sent. */
  path: string;
  /** The raw text after the "?" ("" when there is none), as sent. */
  query: string;
  time: number;
  nonce: Uint8Array;
  body: Uint8Array;
}

/** The CBOR array a broker request signature covers (its hash is signed). */
export const requestBody = (r: RequestFields): Uint8Array => encode([r.method, r.path, r.query, r.time, r.nonce, sha256(r.body)]);

/** What a client signs for each broker request. */
export const requestMessage = (r: RequestFields): Signable => signedMessage('request', sha256(requestBody(r)));

/** What the membership key signs: the hash of the canonical member list bytes. */
export const membersMessage = (listBytes: Uint8Array): Signable => signedMessage('members', sha256(listBytes));

/** SHA-256 of CBOR [peer's nonce, signer key, peer key, chain id]: the link handshake's AUTH hash. */
export const linkHash = (peerNonce: Uint8Array, signer: Uint8Array, peer: Uint8Array, chainId: Uint8Array): Uint8Array =>
  sha256(encode([peerNonce, signer, peer, chainId]));

/** What each side of a link signs in AUTH: binds the signature to this pair of keys, this nonce and this chain. */
export const linkMessage = (peerNonce: Uint8Array, signer: Uint8Array, peer: Uint8Array, chainId: Uint8Array): Signable =>
  signedMessage('link', linkHash(peerNonce, signer, peer, chainId));
