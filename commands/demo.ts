import { Option } from 'clipanion';
import fs from 'node:fs';
import path from 'node:path';
import ora from 'ora';
import { UrchainCommand, parseCount, parseDuration, humanSize } from './base.js';
import { badInput } from '../src/errors.js';

export class DemoCommand extends UrchainCommand {
  static override paths = [['demo']];
  static override usage = UrchainCommand.Usage({
    description: "Run the seed paper's value chain on this machine: two companies, five OPC UA stations, passports",
    details: `
      Runs the seed paper's testbed in one process, on 127.0.0.1 only (every port chosen by the system): two companies, a parts maker and an assembler, each with its own network and proof-of-authority chain (a full node and one thin node per station, linked over the network layer), one broker between them, and five stations as real OPC UA servers: the parts maker's 3D printer (filament, CAD file digest, machine code), AGV (transport acknowledgements) and machining (several actual/target iterations); the assembler's assembly (supplier batch numbers) and final quality inspection (its report).

      For each product (--products, default 2) every station sets its variables; the OPC UA intake (as \`urchain ingest opcua\`) takes each change in at the station's thin node as a record under the part's SGTIN, and the station's EPCIS 2.0 events (TransformationEvent, ObjectEvent, AggregationEvent with bizStep and readPoint; the SGTIN as EPC URN or GS1 Digital Link) go in as \`urchain ingest epcis\` does. Each time the part changes hands and after each product the companies run an entanglement round through the broker (\`entangle push\`, then the partner's \`entangle pull\`), and at the end a few more so the last blocks of both chains are countersigned.

      At the end it writes, under DIR/passports/, each company's passport of each part (\`urchain passport --countersigned\`), their merge (\`urchain passport merge\`) and a self-contained HTML page of it, verifies every merged passport against the customer's trust list DIR/trust.json (the parts maker's list with the assembler as a partner), and prints a summary: records per station, blocks per chain, entanglement rounds, passport sizes and the verification result (JSON when piped or with --json). Exit 0 only if every passport verifies. The data folders stay under DIR (DIR/parts-maker/full, ...), so \`urchain trace\`, \`urchain verify\` and the other commands can be tried on them afterwards.

      DIR must be empty or not exist; without --dir a new folder urchain-demo-TIME is made in the current folder and named. Progress goes to stderr (a spinner on a terminal, one line per step otherwise). Everything the demo started (nodes, broker, OPC UA servers) is stopped when it ends, when it fails and on SIGINT/SIGTERM (exit 130 then).
    `,
    examples: [
      ['Two products, files in a new folder of the current one', '$0 demo'],
      ['Five products in ./testbed, the summary as JSON', '$0 demo --products 5 --dir ./testbed --json'],
      ['The customer checks a passport the demo wrote', '$0 verify ./testbed/passports/SERIAL.passport.json --trust ./testbed/trust.json'],
    ],
  });
  dir = Option.String('--dir', { description: 'Folder for the data, passports and pages (default: a new urchain-demo-TIME folder here)' });
  products = Option.String('--products', '2', { description: 'Products to run through the value chain (default 2)' });
  blockTime = Option.String('--block-time', '500ms', { description: 'Block interval of both chains (default 500ms)' });

  async run() {
    const products = parseCount(this.products, '--products', 1);
    if (products > 1000) throw badInput(`--products: at most 1000, got ${products}`);
    const blockTimeMs = parseDuration(this.blockTime, '--block-time');
    if (blockTimeMs < 50) throw badInput(`--block-time: at least 50ms, got ${this.blockTime}`);
    const dir = path.resolve(this.dir ?? `urchain-demo-${new Date().toISOString().replace(/[-:]/g, '').replace('T', '-').slice(0, 15)}`);
    if (fs.existsSync(dir) && (!fs.statSync(dir).isDirectory() || fs.readdirSync(dir).length)) throw badInput(`--dir ${dir}: exists and is not an empty folder`);
    const stderr = this.context.stderr as NodeJS.WriteStream;
    this.log(`urchain: demo: files go to ${dir}`);
    // discardStdin off, as in audit: ora's raw-mode stdin would swallow Ctrl-C.
    const spinner = stderr.isTTY ? ora({ text: 'starting', stream: stderr, discardStdin: false }).start() : undefined;
    const stop = new AbortController();
    const onSignal = () => stop.abort();
    process.on('SIGINT', onSignal);
    process.on('SIGTERM', onSignal);
    const { runDemo } = await import('../src/demo/run.js');
    try {
      const summary = await runDemo({
        dir,
        products,
        blockTimeMs,
        signal: stop.signal,
        onProgress: (line) => {
          if (spinner) {
            if (spinner.text !== 'starting') spinner.stopAndPersist({ symbol: '✔', text: spinner.text });
            spinner.start(line);
          } else this.log(`urchain: demo: ${line}`);
        },
      });
      spinner?.stopAndPersist({ symbol: '✔', text: 'done' });
      this.out(summary, human);
      return summary.valid ? 0 : 1;
    } catch (e) {
      spinner?.fail();
      if (stop.signal.aborted) {
        this.log('urchain: demo stopped; everything it started is stopped');
        return 130;
      }
      throw e;
    } finally {
      process.off('SIGINT', onSignal);
      process.off('SIGTERM', onSignal);
    }
  }
}

type Summary = Awaited<ReturnType<typeof import('../src/demo/run.js').runDemo>>;

function table(rows: string[][]): string[] {
  const width = rows[0].map((_, i) => Math.max(...rows.map((r) => r[i].length)));
  return rows.map((r) => r.map((c, i) => (i === r.length - 1 ? c : c.padEnd(width[i]))).join('  '));
}

function human(s: Summary): string {
  return [
    `${s.valid ? 'VALID' : 'INVALID'}: ${s.products} product(s) through two companies in ${s.seconds} s; files in ${s.dir}`,
    '',
    ...table([['company', 'station', 'OPC UA records', 'EPCIS events'], ...s.stations.map((x) => [x.company, x.station, String(x.opcuaRecords), String(x.epcisEvents)])]),
    '',
    ...table([['company', 'blocks', 'chain'], ...s.companies.map((c) => [c.name, String(c.blocks), c.chainId])]),
    `entanglement rounds: ${s.entanglementRounds}`,
    '',
    ...table([
      ['item', 'records', 'passport', 'page', 'verdict'],
      ...s.passports.map((p) => [p.item, String(p.records), `${humanSize(p.bytes)}`, `${humanSize(p.htmlBytes)}`, p.valid && p.trusted ? 'valid (trusted)' : `INVALID ${p.failed ?? 'not trusted'}`]),
    ]),
    '',
    `the customer: urchain verify ${path.relative(process.cwd(), s.passports[0]?.passport ?? '') || '…'} --trust ${path.relative(process.cwd(), s.trust)}`,
  ].join('\n');
}
