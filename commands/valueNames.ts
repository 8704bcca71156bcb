/**
 * What each option's value is called in help, man pages and usage errors: `--data DIR` instead of
 * clipanion's `--data #0`. One name per flag across all commands (a flag means the same kind of
 * value everywhere), with per-command names where it does not; a flag not listed here shows its
 * own name in capitals (`--rate RATE`).
 */

const BY_FLAG: Record<string, string> = {
  '--data': 'DIR',
  '--node': 'URL',
  '--broker': 'URL',
  '--endpoint': 'URL',
  '--api': 'HOST:PORT',
  '--listen': 'HOST:PORT',
  '--advertise': 'HOST:PORT',
  '--seed': 'HOST:PORT',
  '--profichain': 'HOST:PORT',
  '--members': 'FILE',
  '--out': 'FILE',
  '--partners': 'FILE',
  '--membership-key': 'FILE',
  '--broker-ca': 'FILE',
  '--trust': 'FILE',
  '--tls-key': 'FILE',
  '--tls-cert': 'FILE',
  '--tier2-key': 'FILE',
  '--decrypt-key': 'FILE',
  '--api-token-file': 'FILE',
  '--genesis': 'FILE',
  '--key': 'FILE',
  '--watch': 'DIR',
  '--pki': 'DIR',
  '--include': 'GLOB',
  '--block-time': 'DURATION',
  '--timeout': 'DURATION',
  '--duration': 'DURATION',
  '--max-wait': 'DURATION',
  '--sampling-interval': 'DURATION',
  '--publishing-interval': 'DURATION',
  '--max-payload': 'BYTES',
  '--heap-growth': 'PERCENT',
  '--links': 'N',
  '--threshold': 'N',
  '--depth': 'N',
  '--difficulty': 'BITS',
  '--batch': 'N',
  '--rate': 'PER-SECOND',
  '--meta': 'KEY=VALUE',
  '--kind': 'KIND',
  '--product': 'CODE',
  '--type': 'TYPE',
  '--role': 'TYPE',
  '--consensus': 'poa|pow',
  '--security-mode': 'MODE',
  '--security-policy': 'POLICY',
  '--node-key': 'HEX',
  '--authority': 'HEX',
  '--origin': 'HEX',
  '--node-id': 'NODEID',
  '--to': 'PARTNER',
  '--name': 'NAME',
  '--calendar': 'URL',
  '--anchors': 'DIR',
  '--headers': 'FILE',
  '--bitcoin-rpc': 'URL',
  '--bitcoin-network': 'main|regtest',
  '--store': 'URL',
  '--graphql-max-depth': 'N',
  '--graphql-max-cost': 'N',
  '--graphql-max-page': 'N',
  '--graphql-timeout': 'DURATION',
  '--graphql-introspection': 'true|false',
  '--graphql-max-payload': 'BYTES',
  '--tiles': 'DIR',
  '--html': 'FILE',
  '--products': 'N',
  '--from': 'FILE.tar|DIR',
};

/** Where a flag's value is not what it is elsewhere: "command path flag" -> name. */
const BY_COMMAND: Record<string, string> = {
  'ingest send --key': 'KEY',
  'ingest send --type': 'MEDIA-TYPE',
  'backup --out': 'FILE.tar|DIR',
};

/** The value name of `flag` (its first spelling) in the command `path` ("ingest send"), if known. */
export function valueName(flag: string, path?: string): string {
  return (path && BY_COMMAND[`${path} ${flag}`]) ?? BY_FLAG[flag] ?? flag.replace(/^-+/, '').toUpperCase();
}

/**
 * Replaces clipanion's `#0` placeholders in usage text. The command is read from the text where it
 * shows one (`urchain ingest send [--key #0]`); `path` overrides it.
 */
export function withValueNames(text: string, path?: string): string {
  return text.replace(/^.*$/gm, (line) => {
    const cmd = path ?? /urchain ((?:[a-z-]+ ?)+?)(?= [[<-]| *$)/.exec(line)?.[1]?.trim();
    return line.replace(/(-{1,2}[a-z0-9-]+)((?:,-{1,2}[a-z0-9-]+)*) #\d+/g, (_, first: string, more: string) => `${first}${more} ${valueName(first, cmd)}`);
  });
}
