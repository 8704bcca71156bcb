/**
 * @module global/entangle
 * One-shot entanglement, made for cron (DESIGN decision 9):
 *
 * push: signs a checkpoint of the node's head with the chain key (an authority key of the node's
 *       chain: the key verifiers accept as checkpoint signer; on a one-node chain DATA/node.key;
 *       never the offline membership key that signs member lists) and sends it, sealed, to each
 *       partner through the broker, together with proofs of the entangle records in which this
 *       chain took in that partner's checkpoints (the partner's countersignatures).
 * pull: fetches this network's mail, checks each envelope and checkpoint against the configured
 *       partner keys, takes each checkpoint in as an `entangle` record and each returned
 *       countersignature as a `countersign` record, and acknowledges the mail only after the
 *       node's receipts, i.e. once durable. Idempotency keys make a repeated run harmless.
 * With `tlog` (--data DIR) both also speak C2SP: push sends a checkpoint note with a consistency
 * proof, pull cosigns partners' notes and files their cosignatures (global/entangleTlog).
 */
import type { NodeClient } from '../io/nodeClient.js';
import type { BrokerClient } from './client.js';
import type { KeyPair } from '../crypto/ed25519.js';
import { signCheckpoint, openCheckpoint, checkpointToJson } from '../chain/checkpoint.js';
import { sealEnvelope, parseEnvelope, openEnvelope } from './envelope.js';
import { verifyProof, type ProofJson } from '../proof/proof.js';
import { toHex, fromHex, fromBase64, utf8 } from '../codec/bytes.js';
import { UrchainError, badInput, isUrchainError } from '../errors.js';
import { readJsonFile } from '../io/jsonFile.js';
import type { BlockView } from '../contracts/blockView.js';
import type { EntangleTlog, PullTlogResult } from './entangleTlog.js';
import { chainIdOf } from '../chain/params.js';
import { parseCheckpointText } from '../transparency/checkpoint.js';
import { parseNote } from '../transparency/note.js';

export interface Partner {
  name: string;
  key: string;
}

/** Partners file: {"partners": [{"name": "...", "key": "<ed25519 hex>"}]}. */
export function loadPartners(file: string): Partner[] {
  const j = readJsonFile(file, 'partners file') as { partners?: Partner[] } | null;
  if (!Array.isArray(j?.partners)) throw badInput(`${file}: expected {"partners": [{"name", "key"}]}`);
  for (const p of j.partners) {
    if (typeof p?.name !== 'string') throw badInput(`${file}: every partner needs a name`);
    fromHex(p.key, 32, `${file} partner ${p.name} key`);
  }
  return j.partners.map((p) => ({ name: p.name, key: p.key.toLowerCase() }));
}

export interface PushResult {
  checkpoint: ReturnType<typeof checkpointToJson>;
  sent: { to: string; name: string; id: string; countersignatures: number; c2sp?: { size: number; oldSize: number } }[];
}

export async function push(o: { node: NodeClient; broker: BrokerClient; key: KeyPair; partners: Partner[]; to?: string[]; tlog?: EntangleTlog }): Promise<PushResult> {
  const targets = o.to?.length ? o.to.map((t) => resolve(o.partners, t)) : o.partners;
  if (!targets.length) throw badInput('no partners to push to: list them in --partners or give --to KEY');
  await checkChainKey(o.node, o.key);
  if (o.tlog) await checkSameChain(o.node, o.tlog);
  const head = await o.node.get<BlockView>('/v1/blocks/head?noTxs=1');
  const signed = signCheckpoint({ chainId: fromHex(head.header.chainId, 32), height: head.height, blockHash: fromHex(head.hash, 32), timestamp: head.header.timestamp }, o.key);
  const sent: PushResult['sent'] = [];
  for (const p of targets) {
    const { proofs } = await o.node.get<{ proofs: ProofJson[] }>(`/v1/entangled/${p.key}?limit=16`);
    const tlog = o.tlog?.pushPart(p.key);
    const env = sealEnvelope({ checkpoint: signed, countersignatures: proofs.map((x) => JSON.stringify(x)), tlog }, o.key, fromHex(p.key, 32));
    const r = await o.broker.call('POST', '/v1/messages', env, parsePostReply);
    sent.push({ to: p.key, name: p.name, id: r.id, countersignatures: proofs.length, ...(tlog ? { c2sp: { size: parseCheckpointText(parseNote(tlog.note).text).size, oldSize: tlog.oldSize } } : {}) });
  }
  return { checkpoint: checkpointToJson(openCheckpoint(signed)), sent };
}

/**
 * The key push signs with must be one a partner's verifier accepts as checkpoint signer of this
 * chain (proof/countersigned.ts): an authority of a proof-of-authority chain, or under
 * proof-of-work (no authorities) the node's own key. Anything else (another company's key, the
 * membership key) would be carried, taken in by the partner and fail every countersigned proof.
 */
async function checkChainKey(node: NodeClient, key: KeyPair): Promise<void> {
  const me = toHex(key.publicKey);
  const params = await node.get<{ chainId?: unknown; name?: unknown; consensus?: unknown; authorities?: unknown }>('/v1/params');
  const status = await node.get<{ publicKey?: unknown }>('/v1/status');
  const hexList = (x: unknown) => (Array.isArray(x) && x.every((k) => typeof k === 'string' && /^[0-9a-f]{64}$/.test(k)) ? (x as string[]) : undefined);
  const authorities = hexList(params.authorities);
  if (!authorities || typeof params.chainId !== 'string' || typeof status.publicKey !== 'string')
    throw UrchainError.BAD_REPLY(`node at ${node.base} answered /v1/params or /v1/status without chainId, authorities or publicKey`);
  const accepted = params.consensus === 'pow' && !authorities.length ? [status.publicKey] : authorities;
  if (accepted.includes(me)) return;
  const chain = `${typeof params.name === 'string' ? `${params.name} ` : ''}${params.chainId.slice(0, 16)}…`;
  const which = params.consensus === 'pow' && !authorities.length ? "the node's own key" : `one of its authority keys (${authorities.map((a) => `${a.slice(0, 12)}…`).join(', ')})`;
  throw badInput(`--key ${me.slice(0, 16)}… is not a chain key of ${chain} at ${node.base}: its checkpoints must be signed by ${which}, or partners' verifiers refuse them; this is not the membership key that signs member lists`);
}

/** --data must hold the chain the node runs: its checkpoints are signed from that folder. */
async function checkSameChain(node: NodeClient, tlog: EntangleTlog): Promise<void> {
  const params = await node.get<{ chainId?: unknown }>('/v1/params');
  const mine = tlog.store.getParams();
  if (!mine || params.chainId !== toHex(chainIdOf(mine))) throw badInput(`--data ${tlog.dataDir} holds another chain than the node at ${node.base}`);
}

function resolve(partners: Partner[], t: string): Partner {
  const byName = partners.find((p) => p.name === t);
  if (byName) return byName;
  const key = toHex(fromHex(t.toLowerCase(), 32, `--to ${t}`));
  return partners.find((p) => p.key === key) ?? { name: key.slice(0, 12), key };
}

export interface PullResult {
  received: { from: string; name: string; height: number; blockHash: string; txId: string; duplicate: boolean }[];
  countersignatures: { from: string; name: string; height: number; txId: string; duplicate: boolean }[];
  refused: { id: string; reason: string }[];
  acked: number;
  /** With --data: partners' C2SP checkpoints cosigned or refused, and cosignatures of ours filed. */
  c2sp?: ({ from: string; name: string } & PullTlogResult)[];
}

export async function pull(o: { node: NodeClient; broker: BrokerClient; key: KeyPair; partners: Partner[]; tlog?: EntangleTlog }): Promise<PullResult> {
  const me = toHex(o.key.publicKey);
  const params = await o.node.get<{ chainId: string }>('/v1/params');
  const { messages } = await o.broker.call('GET', '/v1/messages', undefined, parseMessagesReply);
  const out: PullResult = { received: [], countersignatures: [], refused: [], acked: 0, ...(o.tlog ? { c2sp: [] } : {}) };
  const done: string[] = [];
  for (const m of messages) {
    let env, msg, cp;
    try {
      env = parseEnvelope(fromBase64(m.envelope));
      const from = toHex(env.from);
      const partner = o.partners.find((p) => p.key === from);
      if (!partner) throw UrchainError.FORBIDDEN(`sender ${from.slice(0, 16)}… is not a configured partner`);
      msg = openEnvelope(env, o.key);
      cp = openCheckpoint(msg.checkpoint);
      if (toHex(cp.signer) !== from) throw UrchainError.BAD_SIGNATURE('checkpoint is not signed by the sending network');
      const r = await o.node.submit({
        payload: msg.checkpoint,
        kind: 'entangle',
        meta: { partner: from, partnerName: partner.name, chain: toHex(cp.chainId), height: String(cp.height), hash: toHex(cp.blockHash) },
        // no idemKey: the node derives the keys of entangle and countersign records from their payload
      });
      out.received.push({ from, name: partner.name, height: cp.height, blockHash: toHex(cp.blockHash), txId: r.txId, duplicate: !!r.duplicate });
      for (const text of msg.countersignatures) {
        const cs = checkCountersignature(text, params.chainId, me);
        if (!cs) continue;
        const rr = await o.node.submit({
          payload: utf8(text),
          kind: 'countersign',
          meta: { partner: from, partnerName: partner.name, height: String(cs.height), type: 'application/json' },
        });
        out.countersignatures.push({ from, name: partner.name, height: cs.height, txId: rr.txId, duplicate: !!rr.duplicate });
      }
      if (o.tlog && msg.tlog) {
        // After the entangle record is durable: a refused cosignature never drops the checkpoint.
        let r: PullTlogResult;
        try {
          r = o.tlog.pullPart(from, toHex(cp.chainId), msg.tlog);
        } catch (e) {
          if (isUrchainError(e, 'STORE')) throw e;
          r = { refused: { status: 400, reason: (e as Error).message } };
        }
        out.c2sp!.push({ from, name: partner.name, ...r });
      }
      done.push(m.id);
    } catch (e) {
      // Node down, busy or its store full (the error table says a retry may work): keep the mail
      // for the next run. Anything else is final: refuse and drop it.
      if (isUrchainError(e) && e.spec.retry) throw e;
      out.refused.push({ id: m.id, reason: (e as Error).message });
      done.push(m.id);
    }
  }
  if (done.length) out.acked = (await o.broker.call('POST', '/v1/ack', utf8(JSON.stringify({ ids: done })), parseAckReply)).acked;
  return out;
}

/** A countersignature is a partner's proof of an entangle record holding our own checkpoint. */
function checkCountersignature(text: string, ourChain: string, me: string): { height: number } | undefined {
  let p: ProofJson;
  try {
    p = JSON.parse(text);
  } catch {
    return undefined;
  }
  // Structural check only (trust = null): whose proof it is, is decided by the checkpoint below,
  // which must name our chain and be signed by our own key.
  if (!verifyProof(p, null).valid || p.core?.kind !== 'entangle' || p.countersignatures || p.payload === undefined) return undefined;
  const cp = openCheckpoint(fromBase64(p.payload));
  if (toHex(cp.chainId) !== ourChain || toHex(cp.signer) !== me) return undefined;
  return { height: cp.height };
}

/*
 * Broker answers are untrusted input: each is checked for the shape its route promises before
 * anything reads it (unknown extra fields are allowed, for a newer broker). Each throws
 * BAD_REPLY naming what is wrong; the client adds which broker answered it.
 */
const isObj = (j: unknown): j is Record<string, unknown> => typeof j === 'object' && j !== null && !Array.isArray(j);
const MESSAGE_ID = /^[0-9A-Za-z._-]{1,64}$/;

export function parseMessagesReply(j: unknown): { messages: { id: string; envelope: string }[] } {
  if (!isObj(j) || !Array.isArray(j.messages)) throw UrchainError.BAD_REPLY('expected {"messages": [...]}');
  if (j.messages.length > 100) throw UrchainError.BAD_REPLY(`${j.messages.length} messages, at most 100 expected`);
  const messages = j.messages.map((m: unknown, i: number) => {
    if (!isObj(m) || typeof m.id !== 'string' || typeof m.envelope !== 'string') throw UrchainError.BAD_REPLY(`messages[${i}]: expected {"id": text, "envelope": base64}`);
    if (!MESSAGE_ID.test(m.id)) throw UrchainError.BAD_REPLY(`messages[${i}].id: not a message id`);
    return { id: m.id, envelope: m.envelope };
  });
  return { messages };
}

export function parsePostReply(j: unknown): { id: string } {
  if (!isObj(j) || typeof j.id !== 'string' || !MESSAGE_ID.test(j.id)) throw UrchainError.BAD_REPLY('expected {"id": message id}');
  return { id: j.id };
}

export function parseAckReply(j: unknown): { acked: number } {
  if (!isObj(j) || !Number.isSafeInteger(j.acked) || (j.acked as number) < 0) throw UrchainError.BAD_REPLY('expected {"acked": count}');
  return { acked: j.acked as number };
}
