import { Option } from 'clipanion';
import fs from 'node:fs';
import { UrchainCommand, parseChoice } from '../base.js';
import { readKeyFile } from '../../src/io/keyfile.js';
import { fromHex, equal } from '../../src/codec/bytes.js';
import { signMembers, readMembersFile, writeMembersFile, membersToJson, type Member } from '../../src/net/members.js';
import { NODE_TYPES } from '../../src/contracts/roles.js';
import { UrchainError } from '../../src/errors.js';

/** Loads the list at `file` (or starts one), applies `change`, re-signs it with serial + 1. */
export function updateMembers(file: string, networkKeyFile: string, change: (ms: Member[]) => Member[]) {
  const nk = readKeyFile(networkKeyFile);
  const cur = fs.existsSync(file) ? readMembersFile(file) : undefined;
  if (cur && !equal(cur.networkKey, nk.publicKey)) throw UrchainError.FORBIDDEN(`${file} is signed by another membership key than ${networkKeyFile}`);
  const next = signMembers(nk, (cur?.serial ?? 0) + 1, change(cur?.members ?? []));
  writeMembersFile(file, next);
  return membersToJson(next);
}

export class MemberAddCommand extends UrchainCommand {
  static override paths = [['member', 'add']];
  static override usage = UrchainCommand.Usage({
    description: 'Admit node keys to the network (or change their role)',
    details: `
      Adds the keys to the member list at --members (creating it), signs it with the company's membership key (the offline key of \`keygen --membership\`, not a node or chain key) and raises its serial. Give the list to a node with \`node run --members FILE\`; linked nodes pass the newest list on to each other, so one node with the new list is enough. Only listed keys can link.
    `,
    examples: [
      ['A membership key, then the first member', '$0 keygen --membership --out membership.key && $0 member add $(jq -r .publicKey plant-a/node.key) --role full --membership-key membership.key --members members.json'],
      ['Admit a thin gateway', '$0 member add 3f1c… --role thin --membership-key membership.key --members members.json'],
    ],
  });
  keys = Option.Rest({ required: 1, name: 'KEY' });
  role = Option.String('--role', 'full', { description: 'thin, producer, archive or full (default)' });
  networkKey = Option.String('--membership-key,--network-key', { required: true, description: 'The membership key file that signs the member list (urchain keygen --membership; --network-key is the old name)' });
  members = Option.String('--members', 'members.json', { description: 'The member list file (default ./members.json)' });

  async run() {
    const role = parseChoice(this.role, '--role', NODE_TYPES);
    const add = this.keys.map((k, i) => fromHex(k.toLowerCase(), 32, `KEY #${i + 1}`));
    this.out(updateMembers(this.members, this.networkKey, (ms) => [...ms.filter((m) => !add.some((k) => equal(k, m.key))), ...add.map((key) => ({ key, role }))]));
  }
}
