/**
 * @module net/link
 * One authenticated WebSocket link to a peer of the same network. Both sides send HELLO at once
 * (chain id, key, a fresh nonce, role, listen address, member-list serial, head), then AUTH: a
 * signature over the peer's nonce and both keys, which proves possession of the key and binds
 * the link to this pair and this chain (a recorded AUTH is useless on any other link), plus the
 * member list when the peer's is older. A link is up once the peer's signature verifies and its
 * key is on the member list. Keep-alive: a WebSocket ping every 5 s; no pong for 15 s ends it.
 */
import type { Socket } from 'node:net';
import WebSocket from 'ws';
import { toHex, equal } from '../codec/bytes.js';
import { sign, verify, type KeyPair } from '../crypto/ed25519.js';
import { linkHash, linkMessage } from '../crypto/signed.js';
import { randomBytes } from '../crypto/seal.js';
import { UrchainError } from '../errors.js';
import { Msg, MAX_MESSAGE, WIRE_VERSION, encodeMsg, decodeMsg, helloToCbor, helloFromCbor, type Hello } from './wire.js';
import { decodeMembers, encodeMembers, type MemberList } from './members.js';
import { asArray, asBytes, type CborValue } from '../codec/cbor.js';

/** The path a node dials; it names the protocol and the dialer for proxies and logs, and is not trusted. */
export const LINK_PATH = '/urchain/link/v1';
export const HANDSHAKE_TIMEOUT_MS = 5000;
export const PING_MS = 5000;
export const DEAD_MS = 15_000;
/** Messages a peer may send per second; beyond that they are dropped and the peer is scored. */
export const MAX_MESSAGES_PER_SEC = 5000;
/**
 * Largest message before the handshake is done (HELLO, or AUTH with a member list of some
 * 20,000 keys): a peer that has not proved a key gets no more of the node than that.
 */
export const MAX_HANDSHAKE_MESSAGE = 1024 * 1024;
/** Bytes an inbound connection may send before its AUTH verifies (HELLO, AUTH, framing). */
export const MAX_HANDSHAKE_BYTES = 2 * MAX_HANDSHAKE_MESSAGE + 64 * 1024;
/** Inbound connections in the handshake at once; more are closed at once (they retry). */
export const MAX_HANDSHAKES = 32;

/** What a link hands each message to once it is up: the decoded message and its bytes. */
export type Listener = (m: CborValue[], link: Link, raw: Uint8Array) => void;

export interface LinkContext {
  key: KeyPair;
  chainId: Uint8Array;
  role: string;
  listen: string;
  head(): { height: number; hash: Uint8Array };
  members(): MemberList | undefined;
  /** Adopts a newer member list from a peer (verified there); returns the list now in force. */
  offerMembers(l: MemberList): void;
  /** The peer's role, or undefined when its key may not link. */
  admit(peerKey: Uint8Array): string | undefined;
}

/** What AUTH signs (domain "urchain/link/v1"): SHA-256 of CBOR [peer's nonce, signer key, peer key, chain id]. */
export const authHash = linkHash;

export class Link {
  hello?: Hello;
  up = false;
  /** The highest block height this peer has shown (its HELLO, then blocks it sent): what sync aims at. */
  height = 0;
  readonly since = Date.now();
  private nonce = randomBytes(32);
  private alive = Date.now();
  private pinger?: NodeJS.Timeout;
  private closed = false;
  /** True once the link is closed (by either side); a closed link never opens again. */
  get isClosed(): boolean {
    return this.closed;
  }
  // Messages that arrive after the handshake but before `listen` is called (the same chunk can
  // carry AUTH and the first messages) wait here instead of being dropped.
  private early: { m: CborValue[]; raw: Uint8Array }[] = [];
  private onMessage: Listener = (m, _l, raw) => void this.early.push({ m, raw });
  /** Sees each message's bytes before they are decoded; true: it was dealt with (see `listen`). */
  private preview?: (raw: Uint8Array, link: Link) => boolean;
  onClose: (link: Link, why: string) => void = () => undefined;
  /** A malformed or oversized message or a flood from an authenticated peer (queued like messages until `listen`). */
  private earlyBad: UrchainError[] = [];
  private onBad: (link: Link, e: UrchainError) => void = (_l, e) => void this.earlyBad.push(e);
  private window = 0;
  private inWindow = 0;

  constructor(
    readonly ws: WebSocket,
    readonly direction: 'in' | 'out',
    readonly address: string,
    private readonly ctx: LinkContext,
  ) {}

  get peerHex(): string {
    return this.hello ? toHex(this.hello.nodeKey) : `?${this.address}`;
  }

  /** Runs the handshake; resolves once the peer is authenticated and admitted. */
  handshake(): Promise<Hello> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => fail(UrchainError.TIMEOUT(`no handshake from ${this.address} within ${HANDSHAKE_TIMEOUT_MS} ms`)), HANDSHAKE_TIMEOUT_MS);
      const fail = (e: Error) => {
        clearTimeout(timer);
        this.close(e.message, e instanceof UrchainError && e.code === 'FORBIDDEN' ? e : undefined);
        reject(e);
      };
      const head = this.ctx.head();
      const hello: Hello = {
        version: WIRE_VERSION,
        chainId: this.ctx.chainId,
        nodeKey: this.ctx.key.publicKey,
        nonce: this.nonce,
        role: this.ctx.role,
        listen: this.ctx.listen,
        membersSerial: this.ctx.members()?.serial ?? 0,
        height: head.height,
        headHash: head.hash,
      };
      this.ws.on('message', (data: Buffer, isBinary: boolean) => {
        this.alive = Date.now();
        if (this.closed) return;
        if (this.up && this.flooded()) return;
        let m: CborValue[];
        const raw = new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
        if (this.up && isBinary && this.preview?.(raw, this)) return;
        try {
          if (!isBinary) throw UrchainError.BAD_INPUT('text frame: only binary CBOR messages');
          if (!this.up && data.byteLength > MAX_HANDSHAKE_MESSAGE) throw UrchainError.TOO_LARGE(`handshake message of ${data.byteLength} bytes (at most ${MAX_HANDSHAKE_MESSAGE})`);
          m = decodeMsg(raw);
        } catch (e) {
          if (!this.up) return fail(e as Error);
          this.onBad(this, e instanceof UrchainError ? e : UrchainError.BAD_ENCODING((e as Error).message));
          return;
        }
        if (this.up) return this.onMessage(m, this, raw);
        try {
          if (m[0] === Msg.ERROR) throw UrchainError.FORBIDDEN(`peer refused the link: ${String(m[2])}`);
          if (!this.hello) {
            if (m[0] !== Msg.HELLO) throw UrchainError.BAD_INPUT('expected HELLO');
            const h = helloFromCbor(m);
            if (h.version !== WIRE_VERSION) throw UrchainError.BAD_INPUT(`wire version ${h.version}; this node speaks ${WIRE_VERSION}`);
            if (!equal(h.chainId, this.ctx.chainId)) throw UrchainError.FORBIDDEN(`peer is on another chain (${toHex(h.chainId).slice(0, 16)}…)`);
            if (equal(h.nodeKey, this.ctx.key.publicKey)) throw UrchainError.BAD_INPUT('linked to itself');
            this.hello = h;
            this.height = h.height;
            const mine = this.ctx.members();
            const sig = sign(linkMessage(h.nonce, this.ctx.key.publicKey, h.nodeKey, this.ctx.chainId), this.ctx.key.secretKey);
            this.sendRaw([Msg.AUTH, sig, mine && mine.serial > h.membersSerial ? encodeMembers(mine) : new Uint8Array(0)]);
            return;
          }
          if (m[0] !== Msg.AUTH) throw UrchainError.BAD_INPUT('expected AUTH');
          const a = asArray(m, 3, 'AUTH');
          const list = asBytes(a[2], 'members');
          if (list.length) this.ctx.offerMembers(decodeMembers(list));
          if (!verify(linkMessage(this.nonce, this.hello.nodeKey, this.ctx.key.publicKey, this.ctx.chainId), asBytes(a[1], 'signature', 64), this.hello.nodeKey))
            throw UrchainError.BAD_SIGNATURE(`peer ${toHex(this.hello.nodeKey).slice(0, 16)}… did not prove its key`);
          if (!this.ctx.admit(this.hello.nodeKey)) throw UrchainError.FORBIDDEN(`key ${toHex(this.hello.nodeKey).slice(0, 16)}… is not a member of this network`);
          this.up = true;
          clearTimeout(timer);
          this.startKeepAlive();
          resolve(this.hello);
        } catch (e) {
          fail(e as Error);
        }
      });
      this.ws.on('pong', () => (this.alive = Date.now()));
      this.ws.on('close', () => {
        clearTimeout(timer);
        if (!this.up) reject(UrchainError.UNAVAILABLE(`link to ${this.address} closed during the handshake`));
        this.close('closed by peer');
      });
      this.ws.on('error', (e: Error & { code?: string }) => {
        if (!this.up) fail(UrchainError.UNAVAILABLE(`${this.address}: ${e.message}`));
        else {
          // ws reports frames over maxPayload and protocol violations here, then closes.
          if (e.code?.startsWith('WS_ERR_')) this.onBad(this, UrchainError.BAD_INPUT(`${e.message} (${e.code})`));
          this.close(e.message);
        }
      });
      const start = () => this.sendRaw(helloToCbor(hello) as CborValue[]);
      if (this.ws.readyState === WebSocket.OPEN) start();
      else this.ws.once('open', start);
    });
  }

  /** Counts a message; true (drop it) past the per-second limit, scoring the peer once a second. */
  private flooded(): boolean {
    const sec = Math.floor(Date.now() / 1000);
    if (sec !== this.window) {
      this.window = sec;
      this.inWindow = 0;
    }
    if (++this.inWindow <= MAX_MESSAGES_PER_SEC) return false;
    if (this.inWindow === MAX_MESSAGES_PER_SEC + 1) this.onBad(this, UrchainError.RATE_LIMITED(`more than ${MAX_MESSAGES_PER_SEC} messages in a second`));
    return true;
  }

  /**
   * Hands every message from now on (and any that came early) to `fn` with its bytes, and bad
   * ones to `onBad`. `preview`, when given, sees each later message's bytes first and may take
   * it whole (true): then it is neither decoded nor handed on (a copy of a batch taken already
   * costs no decoding). A message it takes still counts against the rate limit.
   */
  listen(fn: Listener, onBad: (link: Link, e: UrchainError) => void = () => undefined, preview?: (raw: Uint8Array, link: Link) => boolean): void {
    this.onMessage = fn;
    this.onBad = onBad;
    this.preview = preview;
    for (const e of this.early.splice(0)) fn(e.m, this, e.raw);
    for (const e of this.earlyBad.splice(0)) onBad(this, e);
  }

  private startKeepAlive() {
    this.pinger = setInterval(() => {
      if (Date.now() - this.alive > DEAD_MS) return this.close('keep-alive: no answer for 15 s');
      try {
        this.ws.ping();
      } catch {
        /* closing */
      }
    }, PING_MS);
  }

  private sendRaw(m: CborValue[]) {
    if (this.ws.readyState === WebSocket.OPEN) this.ws.send(encodeMsg(m));
  }

  send(m: CborValue[]): void {
    if (this.up && !this.closed) this.sendRaw(m);
  }

  sendBytes(b: Uint8Array): void {
    if (this.up && !this.closed && this.ws.readyState === WebSocket.OPEN) this.ws.send(b);
  }

  close(why: string, tell?: UrchainError): void {
    if (this.closed) return;
    this.closed = true;
    if (this.pinger) clearInterval(this.pinger);
    try {
      if (tell) this.sendRaw([Msg.ERROR, tell.code, tell.message]);
      this.ws.close(1000, why.slice(0, 120));
    } catch {
      /* already gone */
    }
    setTimeout(() => this.ws.terminate(), 1000).unref();
    this.onClose(this, why);
  }
}

/**
 * Bounds what inbound connections hold before they prove a key: in bytes (a frame is buffered
 * whole before it is read, so the socket's bytes are counted as they come) and in number of
 * connections in the handshake at once.
 */
export class HandshakeGate {
  private open = 0;

  /** Runs `handshake` for an inbound socket within the bounds; `refuse` reports and drops it. */
  pass(socket: Socket, refuse: (message: string) => void, handshake: () => Promise<unknown>): void {
    if (this.open >= MAX_HANDSHAKES) return refuse(`${MAX_HANDSHAKES} handshakes already in progress`);
    this.open++;
    let bytes = 0;
    const count = (d: Buffer) => {
      bytes += d.length;
      if (bytes > MAX_HANDSHAKE_BYTES) refuse(`more than ${MAX_HANDSHAKE_BYTES} bytes before the handshake completed`);
    };
    socket.on('data', count);
    void handshake().finally(() => {
      this.open--;
      socket.off('data', count);
    });
  }
}

/**
 * Opens the WebSocket of an outbound link to HOST:PORT (the handshake proves the key, not the
 * path). undefined for an address the WebSocket constructor cannot parse (a seed given on the
 * command line): it throws, and in a timer that would end the process.
 */
export function openLink(address: string, from: Uint8Array): WebSocket | undefined {
  try {
    // A zero mask: RFC 6455 masks what a client sends so that a browser's script cannot make
    // bytes a proxy would misread as a request of its own; a link is node to node, no browser
    // writes to it, and masking cost a thin node 5% of its time under load (both ends skip it).
    const ws = new WebSocket(`ws://${address}${LINK_PATH}?from=${toHex(from)}`, { maxPayload: MAX_MESSAGE, handshakeTimeout: 3000, generateMask: (m: Buffer) => void m.fill(0) });
    ws.on('error', () => undefined); // reported by the handshake
    return ws;
  } catch {
    return undefined;
  }
}
