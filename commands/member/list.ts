import { Option } from 'clipanion';
import { UrchainCommand } from '../base.js';
import { readMembersFile, membersToJson } from '../../src/net/members.js';

export class MemberListCommand extends UrchainCommand {
  static override paths = [['member', 'list']];
  static override usage = UrchainCommand.Usage({
    description: 'Show a member list after checking its signature',
    examples: [["A node's current list", '$0 member list --members ./plant-a/members.json']],
  });
  members = Option.String('--members', 'members.json', { description: 'The member list file (default ./members.json)' });

  async run() {
    this.out(membersToJson(readMembersFile(this.members)));
  }
}
