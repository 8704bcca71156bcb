/**
 * @module net/members
 * Who belongs to a company network: a member list signed by the membership key (the offline
 * key of `keygen --membership`; the list's field is still called networkKey).
 *
 *   list      = [version (1), networkKey, serial, [[memberKey, role], ...]]   (sorted by key)
 *   signature = Ed25519(networkKey, "urchain/members/v1" || SHA-256(canonical CBOR of list))
 *
 * `serial` grows with every change. Nodes pin the network key the first time they see a list
 * and from then on accept only lists signed by it with a higher serial; peers hand newer lists
 * to each other in the link handshake, so adding or revoking a member reaches every node that
 * is linked to the network. A key that is not on the list cannot link (a revoked key is one that
 * a newer list left out). Roles are the node types: thin, producer, archive, full.
 */
import { encode, decode, asArray, asUint, asBytes, asText } from '../codec/cbor.js';
import { toHex, fromHex, equal, compareBytes } from '../codec/bytes.js';
import { sign, verify, type KeyPair } from '../crypto/ed25519.js';
import { membersMessage } from '../crypto/signed.js';
import { UrchainError, badInput } from '../errors.js';
import { NODE_TYPES, type NodeType } from '../contracts/roles.js';
import { readJsonFile } from '../io/jsonFile.js';
import { writeFileDurable } from '../io/durableFile.js';

export interface Member {
  key: Uint8Array;
  role: NodeType;
}

export interface MemberList {
  networkKey: Uint8Array;
  serial: number;
  members: Member[];
  signature: Uint8Array;
}

/** The canonical CBOR of the list without its signature: what SHA-256 is taken of. */
export function listBytes(networkKey: Uint8Array, serial: number, members: Member[]): Uint8Array {
  return encode([1, networkKey, serial, members.map((m) => [m.key, m.role])]);
}

export function signMembers(networkKey: KeyPair, serial: number, members: Member[]): MemberList {
  const sorted = [...members].sort((a, b) => compareBytes(a.key, b.key));
  for (let i = 1; i < sorted.length; i++) if (equal(sorted[i].key, sorted[i - 1].key)) throw badInput(`member ${toHex(sorted[i].key)} listed twice`);
  const signature = sign(membersMessage(listBytes(networkKey.publicKey, serial, sorted)), networkKey.secretKey);
  return { networkKey: networkKey.publicKey, serial, members: sorted, signature };
}

/** Throws unless the list is signed by its membership key (and, when given, that is `pinned`). */
export function checkMembers(l: MemberList, pinned?: Uint8Array): MemberList {
  if (pinned && !equal(pinned, l.networkKey)) throw UrchainError.FORBIDDEN(`member list of another network (${toHex(l.networkKey).slice(0, 16)}…)`);
  if (!verify(membersMessage(listBytes(l.networkKey, l.serial, l.members)), l.signature, l.networkKey))
    throw UrchainError.BAD_SIGNATURE( 'member list: the membership key signature does not verify');
  return l;
}

export function roleOf(l: MemberList | undefined, key: Uint8Array): NodeType | undefined {
  return l?.members.find((m) => equal(m.key, key))?.role;
}

/** Wire form (CBOR): [list bytes fields..., signature]. */
export function encodeMembers(l: MemberList): Uint8Array {
  return encode([listBytes(l.networkKey, l.serial, l.members), l.signature]);
}

export function decodeMembers(bytes: Uint8Array): MemberList {
  const outer = asArray(decode(bytes), 2, 'member list');
  const a = asArray(decode(asBytes(outer[0], 'list')), 4, 'list');
  if (asUint(a[0], 'version') !== 1) throw badInput('member list: unknown version');
  const ms = a[3];
  if (!Array.isArray(ms)) throw badInput('member list: members must be an array');
  return {
    networkKey: asBytes(a[1], 'networkKey', 32),
    serial: asUint(a[2], 'serial'),
    members: ms.map((m) => {
      const p = asArray(m, 2, 'member');
      const role = asText(p[1], 'role') as NodeType;
      if (!NODE_TYPES.includes(role)) throw badInput(`member list: unknown role ${role}`);
      return { key: asBytes(p[0], 'key', 32), role };
    }),
    signature: asBytes(outer[1], 'signature', 64),
  };
}

export interface MembersJson {
  type: 'urchain-members';
  networkKey: string;
  serial: number;
  members: { key: string; role: NodeType }[];
  signature: string;
}

export const membersToJson = (l: MemberList): MembersJson => ({
  type: 'urchain-members',
  networkKey: toHex(l.networkKey),
  serial: l.serial,
  members: l.members.map((m) => ({ key: toHex(m.key), role: m.role })),
  signature: toHex(l.signature),
});

export function membersFromJson(j: MembersJson, what = 'member list'): MemberList {
  if (!j || j.type !== 'urchain-members' || !Array.isArray(j.members)) throw badInput(`${what}: not an urchain member list (make one with \`urchain member add\`)`);
  return {
    networkKey: fromHex(j.networkKey, 32, `${what} networkKey`),
    serial: j.serial,
    members: j.members.map((m, i) => {
      if (!NODE_TYPES.includes(m.role)) throw badInput(`${what}: members[${i}].role must be one of ${NODE_TYPES.join(', ')}`);
      return { key: fromHex(m.key, 32, `${what} members[${i}].key`), role: m.role };
    }),
    signature: fromHex(j.signature, 64, `${what} signature`),
  };
}

export function readMembersFile(file: string): MemberList {
  return checkMembers(membersFromJson(readJsonFile(file, 'member list') as MembersJson, file));
}

/** Writes atomically and durably (io/durableFile): a crash or power cut leaves the old list or the new one. */
export function writeMembersFile(file: string, l: MemberList, opts: { mode?: number } = {}): void {
  writeFileDurable(file, JSON.stringify(membersToJson(l), null, 2) + '\n', { mode: opts.mode });
}
