/**
 * @module scripts/fuzz/host
 * The node process the network fuzz targets talk to: the real CLI (`node run ...`, the same code
 * as bin/urchain) with one harness change: a peer's ban is lifted as soon as it is set. The link
 * is still scored and cut off exactly as in production; without this, each malformed message
 * would bar the fuzzer's member key for 60 s and 100,000 inputs would take days.
 */
import { Network } from '../../src/net/network.js';

const proto = Network.prototype as unknown as Record<string, unknown>;
if (typeof proto.punish === 'function') {
  const punish = proto.punish as (this: { bans?: Map<string, number> }, ...a: unknown[]) => void;
  proto.punish = function (this: { bans?: Map<string, number> }, ...a: unknown[]) {
    punish.apply(this, a);
    this.bans?.clear();
  };
} else process.stderr.write('fuzz host: Network.prototype.punish not found; bans stay in force\n');

const { main } = await import('../../commands/cli.js');
await main(process.argv.slice(2));
