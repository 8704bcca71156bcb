/**
 * `npm run bench -- --only passport`: passport size and verification time for 10, 1,000 and
 * 10,000 records of one item (10 records per block, one signature batch per block: 1, 100 and
 * 1,000 blocks), with and without payloads (64-byte records), verified on the CLI's OpenSSL
 * backend and on the portable one the browser page uses (@noble).
 */
import { TestChain, signer } from '../support/proofChain.js';
import { buildPassport, passportText } from '../src/proof/passport.js';
import { verifyPassportText } from '../src/proof/passportVerify.js';
import { useCryptoBackend, portableBackend } from '../src/crypto/backend.js';
import { toHex } from '../src/codec/bytes.js';

const PER_BLOCK = 10;

function chainOf(records: number) {
  const k = signer();
  const c = new TestChain('plant-a', [k]);
  const proofs: { full: unknown[]; stripped: unknown[] } = { full: [], stripped: [] };
  for (let made = 0; made < records; ) {
    const recs = Array.from({ length: Math.min(PER_BLOCK, records - made) }, (_, i) => c.record(k, `measurement ${made + i}: ${'x'.repeat(40)}`.slice(0, 64), { product: 'SN-1', bizStep: 'inspecting' }, 'measure'));
    const h = c.block(recs);
    recs.forEach((_, i) => {
      proofs.full.push(c.proof(h, i));
      proofs.stripped.push(c.proof(h, i, { stripped: true }));
    });
    made += recs.length;
  }
  const trust = { chains: [toHex(c.chainId)], authorities: [toHex(k.publicKey)], origins: [toHex(k.publicKey)] };
  return { proofs, trust, blocks: c.height };
}

function timed<T>(fn: () => T): [T, number] {
  const t0 = performance.now();
  const r = fn();
  return [r, Math.round(performance.now() - t0)];
}

export function passportBench(emit: (o: Record<string, unknown>) => void): void {
  for (const n of [10, 1000, 10_000]) {
    const { proofs, trust, blocks } = chainOf(n);
    const [stripped, buildMs] = timed(() => passportText(buildPassport(['SN-1'], proofs.stripped)));
    const full = passportText(buildPassport(['SN-1'], proofs.full));
    const [r, verifyMs] = timed(() => verifyPassportText(stripped, trust));
    if (!r.valid) throw new Error(`bench passport of ${n} records does not verify: ${r.reason}`);
    const old = useCryptoBackend(portableBackend);
    let portableMs: number;
    try {
      [, portableMs] = timed(() => verifyPassportText(stripped, trust));
    } finally {
      useCryptoBackend(old);
    }
    emit({
      bench: 'passport',
      records: n,
      blocks,
      recordsPerBlock: PER_BLOCK,
      bytesStripped: Buffer.byteLength(stripped),
      bytesWithPayloads: Buffer.byteLength(full),
      bytesPerRecordStripped: Math.round(Buffer.byteLength(stripped) / n),
      buildMs,
      verifyMsOpenSsl: verifyMs,
      verifyMsPortable: portableMs,
      recordsPerSecVerifiedOpenSsl: Math.round(n / (verifyMs / 1000)),
    });
  }
}
