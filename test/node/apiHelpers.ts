/**
 * Helpers for the HTTP API tests: an in-process API on a real LMDB store and 127.0.0.1:0, and a
 * raw HTTP request that lets a test set Host, Origin, chunking and Expect as a client would.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { LmdbStore } from '../../src/store/lmdb.js';
import { genesisWrite } from '../../src/ledger/genesis.js';
import { chainIdOf, type ChainParams } from '../../src/chain/params.js';
import { generateKeyPair } from '../../src/crypto/ed25519.js';
import { Intake } from '../../src/node/intake.js';
import { Query } from '../../src/node/query.js';
import { createApi, type ApiDeps } from '../../src/node/api.js';
import { tmpDir } from '../helpers.js';
import { ROLES } from '../../src/contracts/roles.js';

const key = generateKeyPair();
const params: ChainParams = { version: 1, name: 'api', created: 1, consensus: 'poa', authorities: [key.publicKey], threshold: 1, difficulty: 0, blockTime: 1000 };

export interface TestApi {
  url: string;
  port: number;
  server: http.Server;
  store: LmdbStore;
  intake: Intake;
  query: Query;
  errors: Error[];
  close(): Promise<void>;
}

export async function serveApi(o: Partial<ApiDeps> = {}): Promise<TestApi> {
  const store = await LmdbStore.open(tmpDir());
  await store.initChain(params, genesisWrite(params));
  const intake = new Intake({ store, key, chainId: chainIdOf(params), role: ROLES.full, maxPayload: o.maxBody });
  const query = new Query(store);
  const errors: Error[] = [];
  const server = createApi({ intake, query, status: () => ({ ok: true }), maxBody: intake.maxPayload, onError: (e) => errors.push(e), ...o });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    server,
    store,
    intake,
    query,
    errors,
    close: async () => {
      server.closeAllConnections();
      await new Promise((r) => server.close(r));
      await intake.close();
      await store.close();
    },
  };
}

export interface Answer {
  status: number;
  headers: http.IncomingHttpHeaders;
  json: any;
}

export interface RawRequest {
  method?: string;
  path: string;
  headers?: Record<string, string>;
  body?: Uint8Array;
  /** Send the body this many times in chunked transfer coding (honouring backpressure). */
  repeat?: number;
}

/** One request on its own connection; resolves with the answer, rejects on a reset. */
export function raw(port: number, r: RawRequest): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = http.request({ host: '127.0.0.1', port, method: r.method ?? 'GET', path: r.path, headers: { connection: 'close', ...r.headers }, agent: false }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c) => chunks.push(c));
      res.on('end', () => {
        const text = Buffer.concat(chunks).toString();
        let json: any;
        try {
          json = JSON.parse(text);
        } catch {
          json = text;
        }
        resolve({ status: res.statusCode!, headers: res.headers, json });
      });
    });
    req.on('error', reject);
    if (!r.body) return void req.end();
    if (!r.repeat) return void req.end(r.body);
    let left = r.repeat;
    const pump = () => {
      while (left > 0) {
        left--;
        if (!req.write(r.body)) return void req.once('drain', pump);
      }
      req.end();
    };
    pump();
  });
}
