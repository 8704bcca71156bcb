/**
 * @module scripts/fuzz/nodeTargets
 * Fuzz targets that reach the node child process over real sockets on 127.0.0.1: the HTTP batch
 * body and Profichain frames (plain, and sealed after a real tier-1 key agreement). The network
 * targets are in netTargets.ts.
 */
import net from 'node:net';
import { Pool as HttpPool } from 'undici';
import { encode as cborxEncode } from 'cbor-x';
import { Finding, quietTimer, type FuzzNode, type Target } from './harness.js';
import { Rng, mutateBytes, mutateCbor } from './mutate.js';
import { concat } from '../../src/codec/bytes.js';
import { encode, decode, asArray, asBytes, type CborValue } from '../../src/codec/cbor.js';
import { frame, FrameType, FrameReader, PROTOCOL_VERSION } from '../../src/ingest/profichain/frames.js';
import { SealedChannel, clientKeys } from '../../src/ingest/profichain/session.js';
import { x25519KeyPair } from '../../src/crypto/seal.js';
import { fromHex, utf8 } from '../../src/codec/bytes.js';

const pick = <T>(r: Rng, xs: readonly T[]) => xs[r.int(xs.length)];

/** Down or dying node: the harness sees the death; the input is just not counted as a finding. */
const down = (e: unknown) => /ECONNREFUSED|ECONNRESET|UND_ERR|socket|closed|EPIPE/i.test(String((e as Error)?.message ?? e));

// ---- HTTP batch ---------------------------------------------------------------------------

export function httpBatch(node: FuzzNode): Target {
  let pool: HttpPool | undefined;
  let poolUrl = '';
  const statuses: Record<string, number> = {};
  const payload = (n: number, c: number) => Buffer.alloc(n, c);
  const seeds: Uint8Array[] = [
    cborxEncode([{ payload: payload(16, 0x61) }]),
    cborxEncode([{ payload: payload(100, 0x62), kind: 'sensor', meta: { product: 'SN-1', line: '3' }, key: 'fuzz-k1' }, { payload: payload(3, 0x63) }]),
    cborxEncode(Array.from({ length: 6 }, (_, i) => ({ payload: payload(40 + i, 0x30 + i), meta: { product: `P${i}` } }))),
    cborxEncode([{ payload: new Uint8Array(32).fill(7), kind: 'record', meta: { type: 'text/plain' } }]), // tag 64: how cbor-x writes a Uint8Array
    encode([]),
  ].map((b) => new Uint8Array(b));
  return {
    name: 'http-batch',
    concurrency: 32,
    usesNode: true,
    make(r) {
      const seed = pick(r, seeds);
      return { bytes: r.chance(0.8) ? mutateCbor(r, seed, seeds) : mutateBytes(r, seed, seeds) };
    },
    async send(x) {
      if (poolUrl !== node.url) {
        void pool?.destroy();
        pool = new HttpPool(node.url, { connections: 16, pipelining: 4 });
        poolUrl = node.url;
      }
      try {
        const res = await pool!.request({ path: '/v1/records/batch', method: 'POST', body: Buffer.from(x.bytes), headers: { 'content-type': 'application/cbor' } });
        const text = await res.body.text();
        statuses[res.statusCode] = (statuses[res.statusCode] ?? 0) + 1;
        if (res.statusCode >= 500) throw new Finding('inconsistent', `HTTP ${res.statusCode} for a malformed batch (a bad request is 4xx): ${text.slice(0, 200)}`);
        if (res.statusCode === 200) {
          // A record needs at least 10 body bytes ({"payload": h''}): more records than that
          // means the decoder expanded shared references (tags 28/29), i.e. amplification.
          const receipts = (JSON.parse(text) as { receipts: { error?: { code: string; message: string } }[] }).receipts;
          if (receipts.length * 10 > x.bytes.length) throw new Finding('inconsistent', `amplification: ${receipts.length} records taken from a body of ${x.bytes.length} bytes`);
          // A record refused in a 200 answer carries its own error (README, urchain-api(7)); an internal one is a defect.
          for (const r of receipts) {
            if (!r.error) continue;
            statuses[`item ${r.error.code}`] = (statuses[`item ${r.error.code}`] ?? 0) + 1;
            if (r.error.code === 'INTERNAL') throw new Finding('inconsistent', `a record of a batch failed with an internal error: ${r.error.message.slice(0, 200)}`);
          }
        }
      } catch (e) {
        if (e instanceof Finding || !down(e)) throw e;
        statuses.error = (statuses.error ?? 0) + 1;
      }
    },
    async teardown() {
      await pool?.destroy();
    },
    extra: () => ({ statuses }),
  };
}

// ---- Profichain ---------------------------------------------------------------------------

/**
 * Connects, writes `first`, and waits until the node closes or stays quiet; never throws.
 * `onData` sees every chunk the node sends and may answer with more bytes to write.
 */
function tcpExchange(address: string, first: Uint8Array[], onData?: (data: Buffer) => Uint8Array[] | undefined, quietMs = 40, maxMs = 3000): Promise<void> {
  const m = /^(.*):(\d+)$/.exec(address)!;
  return new Promise((resolve) => {
    const sock = net.connect({ host: m[1].replace(/^\[|\]$/g, ''), port: Number(m[2]) });
    const { arm, done } = quietTimer(() => (sock.destroy(), resolve()), quietMs, maxMs);
    sock.setNoDelay(true);
    sock.on('connect', () => {
      for (const c of first) sock.write(c);
      if (!onData) arm();
    });
    sock.on('data', (d: Buffer) => {
      for (const c of onData?.(d) ?? []) sock.write(c);
      arm();
    });
    sock.on('error', () => undefined);
    sock.on('close', done);
  });
}

const LOW_ORDER_X25519 = [
  '0000000000000000000000000000000000000000000000000000000000000000',
  '0100000000000000000000000000000000000000000000000000000000000000',
  'e0eb7a7c3b41b8ae1656e3faf19fc46ada098deb9c32b1fd866205165f49b800',
  '5f9c95bca3508c24b1d0b1559c83ef5b04445cc4581c8e86d8224eddd09f1157',
  'ecffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f',
].map((h) => fromHex(h));

/** Inner frames (type, body) a client sends after HELLO: submits of every shape, and PINGs. */
function innerSeeds(): [number, Uint8Array][] {
  const rec = (id: number, kind: string, meta: [string, string][], payload: Uint8Array, key: string): CborValue => [id, kind, meta, payload, key];
  return [
    [FrameType.SUBMIT, encode([rec(1, 'record', [], utf8('one record'), '')])],
    [FrameType.SUBMIT, encode([rec(1, 'sensor', [['line', '3'], ['product', 'SN-9']], new Uint8Array(64).fill(1), 'pc-key-1'), rec(2, 'record', [], utf8('x'), '')])],
    [FrameType.SUBMIT, encode(Array.from({ length: 5 }, (_, i) => rec(i + 1, 'record', [['type', 'text/plain']], utf8(`r${i}`), '')))],
    [FrameType.PING, encode([7])],
  ];
}

/** Mutates a list of frames: one body (CBOR-aware), a head, the list itself, or the raw stream. */
function mutateFrames(r: Rng, frames: [number, Uint8Array][], corpus: Uint8Array[]): { list: [number, Uint8Array][]; raw?: Uint8Array } {
  const list = frames.map(([t, b]) => [t, b] as [number, Uint8Array]);
  const roll = r.int(10);
  if (roll < 5) {
    const k = r.int(list.length);
    list[k] = [list[k][0], mutateCbor(r, list[k][1], corpus)];
  } else if (roll === 5) {
    const k = r.int(list.length);
    list[k] = [pick(r, [0, 0x02, 0x04, 0x05, 0x07, 0x08, 0x10, 0x11, 0xff, FrameType.SUBMIT, FrameType.PING]), list[k][1]];
  } else if (roll === 6) {
    const k = r.int(list.length);
    if (r.chance(0.5)) list.splice(k, 0, list[k]);
    else list.splice(k, 1);
  } else if (roll === 7) {
    for (let i = r.int(50); i > 0; i--) list.push(list[r.int(list.length)] ?? [FrameType.PING, encode([1])]);
  } else {
    // the stream itself: a length prefix or any byte
    const raw = concat(...list.map(([t, b]) => frame(t, b, true)));
    if (roll === 8 && raw.length >= 4) {
      const at = r.int(list.length) && 0; // the first frame's length
      const v = pick(r, [0, 1, 2, 0xffff, 0x01000000, 0x7fffffff, 0xffffffff, raw.length]);
      new DataView(raw.buffer, raw.byteOffset).setUint32(at, v >>> 0);
      return { list, raw };
    }
    return { list, raw: mutateBytes(r, raw, corpus) };
  }
  return { list };
}

/** Splits bytes into 1-4 writes at random places (exercises the frame reader across chunks). */
function chunked(r: Rng, b: Uint8Array): Uint8Array[] {
  const out: Uint8Array[] = [];
  let rest = b;
  for (let k = r.int(4); k > 0 && rest.length > 1; k--) {
    const at = 1 + r.int(rest.length - 1);
    out.push(rest.subarray(0, at));
    rest = rest.subarray(at);
  }
  out.push(rest);
  return out;
}

export function profichainPlain(node: FuzzNode): Target {
  const hello = encode([[PROTOCOL_VERSION], 'fuzz', 0, new Uint8Array(0)]);
  const seeds = innerSeeds();
  const corpus = [hello, ...seeds.map((s) => s[1])];
  return {
    name: 'profichain-plain',
    concurrency: 48,
    usesNode: true,
    make(r) {
      const frames: [number, Uint8Array][] = [[FrameType.HELLO, hello], ...Array.from({ length: 1 + r.int(3) }, () => pick(r, seeds))];
      const m = mutateFrames(r, frames, corpus);
      return { bytes: m.raw ?? concat(...m.list.map(([t, b]) => frame(t, b, true))) };
    },
    async send(x, i) {
      await tcpExchange(node.profichain, chunked(new Rng(i), x.bytes));
    },
  };
}

/**
 * Tier 1: HELLO with a fresh X25519 key, the node's WELCOME read and the session keys derived, then
 * mutated inner frames sealed properly (so they reach the decoders behind the decryption), or the
 * sealed frames themselves changed. Sometimes the HELLO is the mutated part (low-order keys too).
 */
export function profichainSealed(node: FuzzNode): Target {
  const seeds = innerSeeds();
  const corpus = seeds.map((s) => s[1]);
  return {
    name: 'profichain-sealed',
    concurrency: 32,
    usesNode: true,
    make(r) {
      // bytes: a CBOR record of what to do, so a reproducer holds it all: [hello mutation, inner frames, sealed-byte mutation seed]
      const frames = Array.from({ length: 1 + r.int(3) }, () => pick(r, seeds));
      const roll = r.int(10);
      const helloMode = roll === 0 ? 1 : roll === 1 ? 2 : 0; // 1: mutated HELLO body, 2: low-order key
      const m = helloMode ? { list: frames } : mutateFrames(r, frames, corpus);
      const sealedMut = !helloMode && r.chance(0.15) ? 1 + r.int(0xffff) : 0;
      return { bytes: encode([helloMode, m.list.map(([t, b]) => [t, b]), m.raw ?? new Uint8Array(0), sealedMut, r.int(0xffffff)]) };
    },
    async send(x) {
      const [helloMode, list, raw, sealedMut, salt] = decode(x.bytes) as [number, [number, Uint8Array][], Uint8Array, number, number];
      const r = new Rng(salt);
      const eph = x25519KeyPair();
      let hello = encode([[PROTOCOL_VERSION], 'fuzz', 1, eph.public]);
      if (helloMode === 1) hello = mutateCbor(r, hello, corpus);
      if (helloMode === 2) hello = encode([[PROTOCOL_VERSION], 'fuzz', 1, pick(r, LOW_ORDER_X25519)]);
      const reader = new FrameReader(1 << 20);
      let welcomed = false;
      let plain = '';
      await tcpExchange(node.profichain, [frame(FrameType.HELLO, hello, true)], (d) => {
        try {
          const out: Uint8Array[] = [];
          for (const f of reader.push(d)) {
            if (welcomed) {
              // Once the node has said tier 1, everything it sends must be sealed.
              if (f.type !== FrameType.SEALED) plain ||= `frame 0x${f.type.toString(16)} ${Buffer.from(f.body).toString('latin1').replace(/[^ -~]/g, '.').slice(0, 200)}`;
              continue;
            }
            if (f.type !== FrameType.WELCOME) continue;
            const a = asArray(decode(f.body), 6, 'WELCOME');
            welcomed = a[4] === 1;
            if (helloMode) continue;
            const ch = new SealedChannel(clientKeys(eph.secret, eph.public, asBytes(a[5], 'nodeEph', 32), asBytes(a[1], 'nodeKey', 32)));
            // raw: arbitrary bytes as the sealed plaintext (inner type || body)
            if (raw.length) out.push(frame(FrameType.SEALED, ch.seal(raw[0], raw.subarray(1)), true));
            else {
              const sealed: Uint8Array[] = list.map(([t, b]) => frame(FrameType.SEALED, ch.seal(t, b), true));
              if (sealedMut) {
                const k = new Rng(sealedMut).int(sealed.length);
                sealed[k] = mutateBytes(new Rng(sealedMut), sealed[k]);
              }
              out.push(...sealed);
            }
          }
          return out;
        } catch {
          return [];
        }
      });
      if (plain) throw new Finding('inconsistent', `after an encrypted WELCOME the node sent a plain ${plain}`);
    },
  };
}
