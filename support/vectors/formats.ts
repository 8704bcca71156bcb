/**
 * Builds the urchain-formats(5) test vectors from fixed inputs with the library's own code.
 * `npm run vectors` writes them to test/vectors/formats.json; test/chain/formats.test.ts
 * rebuilds them and compares byte for byte, so any drift in a hashed or signed format fails.
 */
import { encodeParams, chainIdOf, type ChainParams } from '../../src/chain/params.js';
import { genesisHeader } from '../../src/chain/genesis.js';
import { encodeHeader, blockHashOf, signHeader, type Header } from '../../src/chain/header.js';
import { encodeCore, txIdOf, normalizeMeta, type TxCore } from '../../src/chain/transaction.js';
import { signBatch, evidenceFor, batchHead } from '../../src/chain/batch.js';
import { leafHash, rootOf, inclusionProof, frontierAppend, frontierRoot } from '../../src/merkle/tree.js';
import { publicKeyOf } from '../../src/crypto/ed25519.js';
import { signedMessage } from '../../src/crypto/signed.js';
import { sha256 } from '../../src/crypto/hash.js';
import { buildProof } from '../../src/proof/proof.js';
import { toHex, utf8 } from '../../src/codec/bytes.js';
import { signCheckpoint, encodeCheckpoint } from '../../src/chain/checkpoint.js';
import { requestHash, requestBytes } from '../../src/global/auth.js';
import { sign } from '../../src/crypto/ed25519.js';
import { x25519Public } from '../../src/crypto/seal.js';

export function buildFormatVectors() {
  const secretKey = Uint8Array.from({ length: 32 }, (_, i) => i);
  const publicKey = publicKeyOf(secretKey);
  const key = { secretKey, publicKey };
  const params: ChainParams = {
    version: 1,
    name: 'vector-chain',
    created: 1767225600000,
    consensus: 'poa',
    authorities: [publicKey],
    threshold: 1,
    difficulty: 0,
    blockTime: 5000,
  };
  const chainId = chainIdOf(params);
  const genesis = genesisHeader(params);
  const genesisHash = blockHashOf(genesis);
  const payloads = [utf8('hello, urchain'), utf8('second record')];
  const cores: TxCore[] = [
    { version: 1, chainId, origin: publicKey, timestamp: 1767225601000, seq: 1, kind: 'record', meta: normalizeMeta({ product: 'SN-4711', machine: 'press-7' }), payloadDigest: sha256(payloads[0]), payloadLength: payloads[0].length },
    { version: 1, chainId, origin: publicKey, timestamp: 1767225601000, seq: 2, kind: 'record', meta: normalizeMeta({ type: 'text/plain' }), payloadDigest: sha256(payloads[1]), payloadLength: payloads[1].length },
  ];
  const coreBytes = cores.map(encodeCore);
  const txIds = coreBytes.map(txIdOf);
  const batch = signBatch(txIds, key);
  const evidence1 = evidenceFor(txIds, 1, batch.signature);
  const header: Header = {
    version: 1,
    chainId,
    height: 1,
    timestamp: 1767225602000,
    prevHash: genesisHash,
    merkleRoot: rootOf(txIds.map(leafHash)),
    txCount: 2,
    difficulty: 0,
    nonce: 0n,
    producer: publicKey,
    historyRoot: frontierRoot(frontierAppend([], 0, leafHash(genesisHash))),
  };
  const blockHash = blockHashOf(header);
  const blockSig = signHeader(blockHash, key);
  const proof = buildProof({
    txId: txIds[1],
    core: cores[1],
    payload: payloads[1],
    evidence: evidence1,
    block: { header, signatures: [blockSig] },
    blockHash,
    inclusion: { index: 1, path: inclusionProof(txIds.map(leafHash), 1) },
    params,
  });
  const cp = { chainId, height: 1, blockHash, timestamp: header.timestamp };
  const cpBody = encodeCheckpoint({ ...cp, signer: publicKey });
  const cpSigned = signCheckpoint(cp, key);
  const reqNonce = Uint8Array.from({ length: 16 }, (_, i) => 0xa0 + i);
  const reqTarget = '/v1/messages?max=10';
  const reqHash = requestHash('GET', reqTarget, 1767225603000, reqNonce, new Uint8Array(0));
  return {
    // Names the builder by its test/ path (a re-export now): this text is part of the vector bytes.
    source: 'urchain-formats(5) vectors, built by test/formatVectors.ts from fixed inputs',
    key: { secretKey: toHex(secretKey), publicKey: toHex(publicKey) },
    params: { cbor: toHex(encodeParams(params)), chainId: toHex(chainId) },
    genesis: { cbor: toHex(encodeHeader(genesis)), hash: toHex(genesisHash) },
    transactions: cores.map((c, i) => ({
      payload: toHex(payloads[i]),
      payloadDigest: toHex(c.payloadDigest),
      core: toHex(coreBytes[i]),
      txId: toHex(txIds[i]),
      leafHash: toHex(leafHash(txIds[i])),
    })),
    batch: {
      root: toHex(batch.root),
      head: toHex(batchHead(2, batch.root)),
      signedMessage: toHex(signedMessage('batch', batchHead(2, batch.root))),
      signature: toHex(batch.signature),
      evidenceForIndex1: { batchSize: 2, index: 1, path: evidence1.path.map(toHex) },
    },
    block: {
      cbor: toHex(encodeHeader(header)),
      hash: toHex(blockHash),
      historyRoot: toHex(header.historyRoot),
      signedMessage: toHex(signedMessage('block', blockHash)),
      signature: toHex(blockSig.sig),
    },
    checkpoint: {
      cbor: toHex(cpBody),
      hash: toHex(sha256(cpBody)),
      signed: toHex(cpSigned),
    },
    request: {
      method: 'GET',
      path: '/v1/messages',
      query: 'max=10',
      time: 1767225603000,
      nonce: toHex(reqNonce),
      cbor: toHex(requestBytes('GET', reqTarget, 1767225603000, reqNonce, new Uint8Array(0))),
      hash: toHex(reqHash),
      signature: toHex(sign(signedMessage('request', reqHash), secretKey)),
    },
    x25519Public: toHex(x25519Public(publicKey)),
    proof,
  };
}
