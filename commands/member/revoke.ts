import { Option } from 'clipanion';
import { UrchainCommand } from '../base.js';
import { fromHex, equal } from '../../src/codec/bytes.js';
import { updateMembers } from './add.js';
import { badInput } from '../../src/errors.js';

export class MemberRevokeCommand extends UrchainCommand {
  static override paths = [['member', 'revoke']];
  static override usage = UrchainCommand.Usage({
    description: 'Remove node keys from the network',
    details: `
      Removes the keys from the member list, signs it with the membership key and a higher serial. Once a node has the new list it refuses links from those keys and drops the links it has with them; the list spreads over the links.
    `,
    examples: [['Revoke a lost gateway', '$0 member revoke 3f1c… --membership-key membership.key --members members.json']],
  });
  keys = Option.Rest({ required: 1, name: 'KEY' });
  networkKey = Option.String('--membership-key,--network-key', { required: true, description: 'The membership key file that signs the member list (--network-key is the old name)' });
  members = Option.String('--members', 'members.json', { description: 'The member list file (default ./members.json)' });

  async run() {
    const gone = this.keys.map((k, i) => fromHex(k.toLowerCase(), 32, `KEY #${i + 1}`));
    let removed = 0;
    const out = updateMembers(this.members, this.networkKey, (ms) =>
      ms.filter((m) => {
        const hit = gone.some((k) => equal(k, m.key));
        if (hit) removed++;
        return !hit;
      }),
    );
    if (!removed) throw badInput('none of these keys is on the list');
    this.out(out);
  }
}
