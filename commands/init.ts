import { Option } from 'clipanion';
import { UrchainCommand, parseDuration, parseCount, parseChoice } from './base.js';
import { initData } from '../src/node/init.js';
import { paramsToJson } from '../src/chain/params.js';

export class InitCommand extends UrchainCommand {
  static override paths = [['init']];
  static override usage = UrchainCommand.Usage({
    description: 'Create a data folder: node key and genesis block',
    details: `
      Fixes the chain for good: consensus, its parameters and the authorities go into the genesis parameters, whose SHA-256 is the chain id. Without options this is a proof-of-authority chain with this node's key as the only authority; \`node run\` does the same on an empty folder.
    `,
    examples: [
      ['A single-authority chain', '$0 init --data ./plant-a'],
      ['Two of three authorities must sign each block', '$0 init --data ./plant-a --authority KEY1 --authority KEY2 --authority KEY3 --threshold 2'],
      ['A proof-of-work chain with 12-bit difficulty', '$0 init --data ./lab --consensus pow --difficulty 12 --block-time 15s'],
    ],
  });
  data = Option.String('--data', { required: true, description: 'Data folder to create' });
  consensus = Option.String('--consensus', 'poa', { description: 'poa (default) or pow' });
  authority = Option.Array('--authority', { description: 'Authority public key (hex), repeatable; default: this node' });
  threshold = Option.String('--threshold', { description: 'Authority signatures a block needs (default 1)' });
  difficulty = Option.String('--difficulty', { description: 'Proof-of-work leading zero bits (default 16)' });
  blockTime = Option.String('--block-time', '5s', { description: 'Target time between blocks (default 5s)' });
  name = Option.String('--name', { description: 'Chain name (default: the folder name)' });

  async run() {
    const r = await initData({
      dataDir: this.data,
      consensus: parseChoice(this.consensus, '--consensus', ['poa', 'pow'] as const),
      authorities: this.authority,
      threshold: parseCount(this.threshold, '--threshold'),
      difficulty: parseCount(this.difficulty, '--difficulty'),
      blockTime: parseDuration(this.blockTime, '--block-time'),
      name: this.name,
    });
    this.out({ chainId: r.chainId, genesisHash: r.genesisHash, publicKey: r.publicKey, keyFile: r.keyFile, keyCreated: r.keyCreated, params: paramsToJson(r.params) });
  }
}
