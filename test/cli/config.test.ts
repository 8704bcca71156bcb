/**
 * Configuration: the key table against the real command definitions; applyConfig's precedence
 * (flag > environment > config file), exclusive groups and errors naming their source; and the
 * real CLI in child processes: `urchain config set|get|unset|list` on a temp file, and commands
 * that find a real node (started on port 0) only through the config file or the environment.
 * No child ever sees the user's own config: XDG_CONFIG_HOME is a temp folder and every
 * URCHAIN_* variable of this process is dropped from the child's environment.
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { spawn } from 'node:child_process';
import { tmpDir, startNode, bin, cleanupAfter, adopt, cli as runCli, type RunningNode } from '../helpers.js';
import { cli, loadCommands, commandFor } from '../../commands/cli.js';
import { CONFIG_KEYS, EXCLUSIVE, KEY_NAMES, OTHER_MEANING } from '../../commands/config/table.js';
import { applyConfig, takeConfigFlag } from '../../commands/config/apply.js';

const T = suite('config');
cleanupAfter(T, { perTest: false });

type Env = Record<string, string | undefined>;
const base: Env = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('URCHAIN_')));
let home: string;
T.before(() => {
  home = tmpDir();
});

/** The CLI in a child process with `env` added to a clean environment. */
const run = (args: string[], env: Env = {}, input?: string) => runCli(args, input ?? '', { ...base, XDG_CONFIG_HOME: home, ...env });

/** A port on 127.0.0.1 nothing listens on (bound, then let go). */
async function deadPort(): Promise<number> {
  const s = net.createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  const port = (s.address() as net.AddressInfo).port;
  await new Promise((r) => s.close(r));
  return port;
}

function writeConfig(values: Record<string, unknown>): string {
  const f = path.join(tmpDir(), 'urchain.json');
  fs.writeFileSync(f, JSON.stringify(values));
  return f;
}

T('the table names only (command, flag) pairs the commands really take, and every command taking such a flag is decided', async () => {
  const commands = await loadCommands();
  const defs = new Map(cli(commands).definitions().map((d) => [d.path.replace(/^urchain /, ''), d]));
  const flagsOf = (cmd: string) => {
    const d = defs.get(cmd);
    assert.ok(d, `no command "urchain ${cmd}"`);
    // "--key,--chain-key #0": names, and whether the option takes a value
    return d!.options.map((o) => ({ names: o.definition.split(' ')[0].split(','), value: o.definition.includes(' ') }));
  };
  for (const k of KEY_NAMES) {
    const s = CONFIG_KEYS[k];
    const names = 'aliases' in s ? [s.flag, ...s.aliases] : [s.flag];
    for (const cmd of s.commands) {
      const opt = flagsOf(cmd).find((o) => o.names.includes(s.flag));
      assert.ok(opt, `urchain ${cmd} has no ${s.flag} (key ${k})`);
      assert.ok(opt!.value, `urchain ${cmd} ${s.flag} takes no value`);
      assert.equal([...opt!.names].sort(), [...names].sort(), `urchain ${cmd}: the spellings of ${s.flag}`);
    }
  }
  for (const g of EXCLUSIVE)
    for (const cmd of g.commands) {
      const flags = flagsOf(cmd).flatMap((o) => o.names);
      for (const k of g.keys) assert.ok((CONFIG_KEYS[k].commands as readonly string[]).includes(cmd), `group key ${k} does not apply to ${cmd}`);
      for (const f of g.flags ?? []) assert.ok(flags.includes(f), `urchain ${cmd} has no ${f}`);
    }
  // A command taking a key's flag is either in the table or listed as meaning something else.
  for (const [cmd] of defs) {
    if (!commands.some((C) => (C.paths ?? []).some((p) => p.join(' ') === cmd))) continue;
    const flags = flagsOf(cmd).flatMap((o) => o.names);
    for (const k of KEY_NAMES) {
      const s = CONFIG_KEYS[k];
      if (!flags.includes(s.flag)) continue;
      const listed = (s.commands as readonly string[]).includes(cmd) || (OTHER_MEANING[cmd] ?? []).includes(s.flag);
      assert.ok(listed, `urchain ${cmd} takes ${s.flag}: add it to key ${k} in commands/config/table.ts, or to OTHER_MEANING`);
    }
  }
  for (const [cmd, flags] of Object.entries(OTHER_MEANING)) for (const f of flags) assert.ok(flagsOf(cmd).some((o) => o.names.includes(f)), `urchain ${cmd} has no ${f}`);
});

T('applyConfig: flag > environment > file, added after the command path, only where the flag means the same', async () => {
  const file = writeConfig({ node: 'http://file:1', profichain: '127.0.0.1:9', data: 'plant', trust: 't.json' });
  fs.writeFileSync(path.join(path.dirname(file), 't.json'), '{}');
  const dir = path.dirname(file);
  const env = { URCHAIN_CONFIG: file };
  // File only; a relative path in the file is taken from the file's folder.
  let r = await applyConfig('ingest send', ['ingest', 'send', '-'], env);
  assert.equal(r.args, ['ingest', 'send', '--node=http://file:1', '-']);
  assert.equal(r.sources.node, { source: 'file', value: 'http://file:1', origin: file });
  assert.is(r.sources.profichain?.instead, '--node');
  r = await applyConfig('audit', ['audit'], env);
  assert.equal(r.args, ['audit', `--data=${path.join(dir, 'plant')}`]);
  // Environment over file; flag over both (nothing added).
  r = await applyConfig('peers', ['peers'], { ...env, URCHAIN_NODE: 'http://env:2' });
  assert.equal(r.args, ['peers', '--node=http://env:2']);
  assert.is(r.sources.node?.source, 'env');
  r = await applyConfig('peers', ['peers', '--node', 'http://flag:3'], { ...env, URCHAIN_NODE: 'http://env:2' });
  assert.equal(r.args, ['peers', '--node', 'http://flag:3']);
  assert.equal(r.sources.node, { source: 'flag' });
  r = await applyConfig('peers', ['peers', '--node=http://flag:3'], env);
  assert.equal(r.args, ['peers', '--node=http://flag:3']);
  // The alias counts as the flag; after `--` nothing is an option.
  const key = path.join(dir, 'chain.key');
  fs.writeFileSync(key, '{}');
  r = await applyConfig('entangle push', ['entangle', 'push', '--chain-key', key], { ...env, URCHAIN_KEY: key });
  assert.equal(r.sources.key, { source: 'flag' });
  assert.equal(givenArgs(r.args), ['entangle', 'push', '--node=http://file:1', '--chain-key', key]);
  r = await applyConfig('ingest send', ['ingest', 'send', '--', '--node'], env);
  assert.equal(r.args, ['ingest', 'send', '--node=http://file:1', '--', '--node']);
  // Same flag, other meaning: never filled in.
  r = await applyConfig('node run', ['node', 'run'], env);
  assert.equal(r.args, ['node', 'run', `--data=${path.join(dir, 'plant')}`]);
  r = await applyConfig('ingest send', ['ingest', 'send', '-'], { ...env, URCHAIN_KEY: key });
  assert.not.ok(r.args.some((a) => a.startsWith('--key')));
  r = await applyConfig('broker serve', ['broker', 'serve'], env);
  assert.equal(r.args, ['broker', 'serve']);
  r = await applyConfig('keygen', ['keygen'], { URCHAIN_CONFIG: '/no/such/file' }); // no key of its own: the file is not even looked for
  assert.equal(r.args, ['keygen']);
});

function givenArgs(args: string[]): string[] {
  return args.filter((a) => !a.startsWith('--data='));
}

T('applyConfig: exclusive groups: a typed alternative keeps the group out; else the stronger source, then the first key', async () => {
  const file = writeConfig({ node: 'http://file:1', data: '/srv/plant', profichain: '127.0.0.1:9' });
  const env = { URCHAIN_CONFIG: file };
  // Both in the file: node (listed first) wins.
  let r = await applyConfig('status', ['status'], env);
  assert.equal(r.args, ['status', '--node=http://file:1']);
  assert.is(r.sources.data?.instead, '--node');
  // data from the environment beats node from the file.
  r = await applyConfig('status', ['status'], { ...env, URCHAIN_DATA: '/env/plant' });
  assert.equal(r.args, ['status', '--data=/env/plant']);
  // A typed --data: node is not added, although set (status would refuse both).
  r = await applyConfig('trace', ['trace', 'SN-1', '--data', '/typed'], { ...env, URCHAIN_NODE: 'http://env:2' });
  assert.equal(r.args, ['trace', 'SN-1', '--data', '/typed']);
  assert.is(r.sources.node?.instead, '--data');
  // A typed --profichain keeps node out of ingest; --no-trust keeps trust out of verify.
  r = await applyConfig('ingest watch', ['ingest', 'watch', 'in', '--profichain', '127.0.0.1:1'], env);
  assert.equal(r.args, ['ingest', 'watch', 'in', '--profichain', '127.0.0.1:1']);
  r = await applyConfig('verify', ['verify', 'p.json', '--no-trust'], { URCHAIN_TRUST: '/x/trust.json' });
  assert.equal(r.args, ['verify', 'p.json', '--no-trust']);
  assert.is(r.sources.trust?.instead, '--no-trust');
});

T('applyConfig: a bad value names where it came from; a bad value of a key the command does not take is not read', async () => {
  const file = writeConfig({ node: 'not a url', profichain: 'nohostport', partners: 'missing.json' });
  const env = { URCHAIN_CONFIG: file };
  const fails = async (p: string, args: string[], e: Env, re: RegExp) => {
    try {
      await applyConfig(p, args, e);
    } catch (x) {
      assert.is((x as any).code, 'BAD_INPUT');
      assert.match((x as Error).message, re);
      return;
    }
    assert.unreachable(`${args.join(' ')}: no error`);
  };
  await fails('peers', ['peers'], env, new RegExp(`^config file ${file}: node: not a URL: "not a url"`));
  await fails('peers', ['peers'], { URCHAIN_NODE: 'ftp://x' }, /^URCHAIN_NODE: not a URL/);
  await fails('ingest send', ['ingest', 'send', '--json'], { URCHAIN_PROFICHAIN: 'nohostport', URCHAIN_NODE: '' }, /^URCHAIN_PROFICHAIN "nohostport": expected HOST:PORT/);
  await fails('entangle pull', ['entangle', 'pull', '--node', 'http://a:1'], env, new RegExp(`^config file ${file}: partners: no such file: ${path.dirname(file)}/missing.json`));
  await fails('entangle push', ['entangle', 'push', '--node', 'http://a:1'], { URCHAIN_KEY: '/no/such.key' }, /^URCHAIN_KEY: no such file: \/no\/such.key/);
  await fails('peers', ['peers'], { URCHAIN_CONFIG: '/no/such/urchain.json' }, /config file \/no\/such\/urchain.json \(from URCHAIN_CONFIG\): no such file/);
  // verify takes only trust: the bad node and profichain values above do not matter to it.
  const r = await applyConfig('verify', ['verify', 'p.json'], env);
  assert.equal(r.args, ['verify', 'p.json']);
  // Help needs no configuration, so a bad value does not hide it.
  for (const h of ['--help', '-h']) assert.equal((await applyConfig('peers', ['peers', h], env)).args, ['peers', h]);
  // The flag given: the bad value is not used, so not an error.
  const ok = await applyConfig('peers', ['peers', '--node', 'http://a:1'], env);
  assert.equal(ok.args, ['peers', '--node', 'http://a:1']);
});

T('--config FILE is taken off the command line anywhere before --; the command path is the longest known one', () => {
  assert.equal(takeConfigFlag(['status', '--config', 'a.json', '--json']), { argv: ['status', '--json'], configFile: 'a.json' });
  assert.equal(takeConfigFlag(['--config=b.json', 'status']), { argv: ['status'], configFile: 'b.json' });
  assert.equal(takeConfigFlag(['ingest', 'send', '--', '--config', 'x']), { argv: ['ingest', 'send', '--', '--config', 'x'], configFile: undefined });
  assert.throws(() => takeConfigFlag(['status', '--config']), /--config needs a FILE/);
  assert.is(commandFor(['ingest', 'send', '-'])?.path, 'ingest send');
  assert.is(commandFor(['config', 'set', 'node', 'x'])?.path, 'config set');
  assert.is(commandFor(['ingest']), undefined);
});

T('urchain config set / get / unset / list: a round trip in the file --config or URCHAIN_CONFIG names', async () => {
  const dir = tmpDir();
  const file = path.join(dir, 'etc', 'node.json');
  let r = await run(['config', 'set', 'node', 'http://127.0.0.1:7400', '--config', file]);
  assert.is(r.code, 0, r.stderr);
  assert.equal(r.json, { key: 'node', value: 'http://127.0.0.1:7400', file });
  // A relative path is stored absolute; a file key whose file is missing is stored with a warning.
  r = await run(['--config', file, 'config', 'set', 'partners', 'p.json']);
  assert.is(r.code, 0, r.stderr);
  assert.match(r.stderr, /warning: partners: there is no file/);
  const partners = path.resolve('p.json');
  assert.equal(JSON.parse(fs.readFileSync(file, 'utf8')), { node: 'http://127.0.0.1:7400', partners });
  r = await run(['config', 'get', 'node'], { URCHAIN_CONFIG: file });
  assert.equal(r.json, { key: 'node', value: 'http://127.0.0.1:7400', source: 'file', origin: file });
  r = await run(['config', 'get', 'node'], { URCHAIN_CONFIG: file, URCHAIN_NODE: 'http://10.0.0.5:7400' });
  assert.equal(r.json, { key: 'node', value: 'http://10.0.0.5:7400', source: 'env', origin: 'URCHAIN_NODE' });
  r = await run(['config', 'list', '--json', '--config', file], { URCHAIN_DATA: '/srv/urchain', URCHAIN_BROKER: 'nope' });
  assert.is(r.code, 0, r.stderr);
  assert.is(r.json.file, file);
  assert.is(r.json.exists, true);
  assert.equal(r.json.keys.node, { value: 'http://127.0.0.1:7400', source: 'file', origin: file });
  assert.equal(r.json.keys.data, { value: '/srv/urchain', source: 'env', origin: 'URCHAIN_DATA' });
  assert.equal(r.json.keys.trust, { value: null, source: 'unset' });
  assert.is(r.json.keys.broker.source, 'env');
  assert.match(r.json.keys.broker.error, /^URCHAIN_BROKER: not a URL/);
  assert.equal(Object.keys(r.json.keys), KEY_NAMES);
  r = await run(['config', 'unset', 'node', '--config', file]);
  assert.equal(r.json, { key: 'node', removed: true, file });
  r = await run(['config', 'unset', 'node', '--config', file]);
  assert.equal(r.json, { key: 'node', removed: false, file });
  r = await run(['config', 'get', 'node', '--config', file]);
  assert.is(r.code, 1);
  assert.match(r.stderr, /node is not set \(set URCHAIN_NODE, or `urchain config set node VALUE`\)/);
  assert.equal(JSON.parse(fs.readFileSync(file, 'utf8')), { partners });
  // Without --config or URCHAIN_CONFIG: $XDG_CONFIG_HOME/urchain/config.json.
  r = await run(['config', 'set', 'profichain', '127.0.0.1:7600']);
  assert.is(r.code, 0, r.stderr);
  assert.is(r.json.file, path.join(home, 'urchain', 'config.json'));
  r = await run(['config', 'list']);
  assert.is(r.json.keys.profichain.source, 'file');
});

T('urchain config: an unknown key or a bad value is refused with exit 2, naming the keys or the value', async () => {
  const file = path.join(tmpDir(), 'c.json');
  for (const args of [
    ['config', 'set', 'nodes', 'http://x:1'],
    ['config', 'get', 'nodes'],
    ['config', 'unset', 'nodes'],
  ]) {
    const r = await run([...args, '--config', file]);
    assert.is(r.code, 2, args.join(' '));
    assert.match(r.stderr, /unknown key "nodes"; the keys are node, profichain, data, broker, broker-ca, key, partners, trust/);
  }
  let r = await run(['config', 'set', 'node', '127.0.0.1:7400', '--config', file, '--json']);
  assert.is(r.code, 2);
  assert.is(r.json.error.code, 'BAD_INPUT');
  assert.match(r.stderr, /node: not a URL/);
  r = await run(['config', 'set', 'profichain', 'localhost', '--config', file]);
  assert.is(r.code, 2);
  assert.match(r.stderr, /expected HOST:PORT/);
  assert.not.ok(fs.existsSync(file), 'nothing written');
  fs.writeFileSync(file, '{"node": ');
  r = await run(['status', '--config', file]);
  assert.is(r.code, 2);
  assert.match(r.stderr, /c\.json: the config file is not JSON/);
});

T('precedence against a real node: node, data and profichain from the file, the environment and flags', async () => {
  const dir = tmpDir();
  const data = path.join(dir, 'plant');
  const node: RunningNode = await startNode(data, ['--block-time', '200ms', '--profichain', '127.0.0.1:0']);
  const st = await fetch(`${node.url}/v1/status`).then((x) => x.json());
  const wrongUrl = `http://127.0.0.1:${await deadPort()}`;
  const wrongPc = `127.0.0.1:${await deadPort()}`;

  // node: only in the config file -> status asks that node.
  const good = writeConfig({ node: node.url });
  let r = await run(['status', '--config', good]);
  assert.is(r.code, 0, r.stderr);
  assert.is(r.json.publicKey, st.publicKey); // asked the node (a data folder's status has no key)
  assert.ok(st.publicKey);
  // the environment's right URL beats the file's wrong one; a flag's wrong URL beats the environment's right one.
  const bad = writeConfig({ node: wrongUrl, profichain: wrongPc });
  r = await run(['status'], { URCHAIN_CONFIG: bad, URCHAIN_NODE: node.url });
  assert.is(r.code, 0, r.stderr);
  r = await run(['status', '--node', wrongUrl], { URCHAIN_NODE: node.url });
  assert.is(r.code, 1);
  assert.match(r.stderr, /cannot reach the node/);

  // data: from the environment, over node from the file (the stronger source wins the group).
  r = await run(['status'], { URCHAIN_CONFIG: good, URCHAIN_DATA: data });
  assert.is(r.code, 0, r.stderr);
  assert.is(r.json.dataDir, data);
  assert.is(r.json.publicKey, undefined); // read the folder
  // from the file, where node is set too: node wins (the documented tie-break) ...
  r = await run(['status'], { URCHAIN_CONFIG: writeConfig({ node: node.url, data }) });
  assert.is(r.json.publicKey, st.publicKey);
  // ... unless --data is typed, which keeps the configured node out.
  r = await run(['status', '--data', data], { URCHAIN_CONFIG: good });
  assert.is(r.code, 0, r.stderr);
  assert.is(r.json.publicKey, undefined);
  // A typed --node against a wrong configured data folder: data is not added.
  r = await run(['status', '--node', node.url], { URCHAIN_DATA: path.join(dir, 'nothing-here') });
  assert.is(r.code, 0, r.stderr);
  assert.is(r.json.publicKey, st.publicKey);

  // profichain: from the file, the record arrives over Profichain.
  r = await run(['ingest', 'send', '-'], { URCHAIN_CONFIG: writeConfig({ profichain: st.profichain }) }, 'over profichain');
  assert.is(r.code, 0, r.stderr);
  assert.ok(r.json.txId);
  // the environment's right port beats the file's wrong one; the flag's right port beats the environment's wrong one
  // (a refused Profichain connection is retried for seconds, so the wrong ones are the losers here).
  r = await run(['ingest', 'send', '-'], { URCHAIN_CONFIG: bad, URCHAIN_PROFICHAIN: st.profichain }, 'env');
  assert.is(r.code, 0, r.stderr);
  r = await run(['ingest', 'send', '-', '--profichain', st.profichain], { URCHAIN_CONFIG: bad, URCHAIN_PROFICHAIN: wrongPc }, 'by flag');
  assert.is(r.code, 0, r.stderr);
  // The ingest tie-break: node and profichain both in the file, the node API is used.
  r = await run(['ingest', 'send', '-'], { URCHAIN_CONFIG: writeConfig({ node: node.url, profichain: wrongPc }) }, 'over http');
  assert.is(r.code, 0, r.stderr);
  await node.included(r.json.txId);

  // A bad injected value names its source; the command does not run.
  r = await run(['status'], { URCHAIN_NODE: 'localhost:7400' });
  assert.is(r.code, 2);
  assert.match(r.stderr, /^urchain: URCHAIN_NODE: not a URL: "localhost:7400"/);
  r = await run(['status', '--json', '--config', bad.replace('urchain.json', 'nope.json')]);
  assert.is(r.code, 2);
  assert.is(r.json.error.code, 'BAD_INPUT');
  await node.stop();
});

T('a service: node run --config FILE takes its data folder from the file, relative to the file', async () => {
  const dir = tmpDir();
  const file = path.join(dir, 'etc', 'node.json');
  fs.mkdirSync(path.dirname(file));
  fs.writeFileSync(file, JSON.stringify({ data: '../plant' }));
  const p = adopt(spawn(process.execPath, [bin, 'node', 'run', '--config', file, '--api', '127.0.0.1:0', '--json'], { env: { ...base, XDG_CONFIG_HOME: home }, stdio: ['ignore', 'pipe', 'pipe'] }));
  try {
    let stderr = '';
    p.stderr!.on('data', (d) => (stderr += d));
    const started = await new Promise<any>((resolve, reject) => {
      let buf = '';
      p.stdout!.on('data', (d) => {
        buf += d;
        for (const line of buf.split('\n').slice(0, -1)) if (line.includes('"started"')) resolve(JSON.parse(line));
      });
      p.on('exit', (code) => reject(new Error(`node run exited ${code}: ${stderr}`)));
    });
    assert.is(started.dataDir, path.join(dir, 'plant'));
  } finally {
    p.kill('SIGTERM');
  }
});

T.run();
