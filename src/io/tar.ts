/**
 * @module io/tar
 * Just enough of the POSIX ustar format (IEEE Std 1003.1, pax interchange format, "ustar Interchange
 * Format") to write and read a flat archive of regular files: `urchain backup --out FILE.tar`
 * writes one, `urchain restore` reads it, and `tar -tvf` / `tar -xf` read it too.
 *
 * Each file is a 512-byte header (name, mode, size, mtime, type '0', magic "ustar\0" "00", header
 * checksum) followed by its bytes padded to 512; two zero blocks end the archive. Sizes of 8 GiB
 * and more do not fit the 11 octal digits of the size field: they are written in the base-256 form
 * (first byte 0x80, the size big-endian in the rest) that GNU tar and bsdtar read. Names are
 * relative paths of at most 99 bytes whose segments are plain file names (`tlog/signed.json`; no
 * `.`, `..`, empty segment, leading `/` or backslash); the reader refuses anything else, so an
 * archive can never write outside the folder it is restored into.
 */
import fs from 'node:fs';
import { UrchainError } from '../errors.js';

const BLOCK = 512;
const CHUNK = 4 << 20;

/** Whether `name` is a relative path of plain file names (`a`, `a/b`), the only names archived here. */
export function isPlainRelativePath(name: string): boolean {
  return name.split('/').every((seg) => /^[^/\\\0]+$/.test(seg) && seg !== '.' && seg !== '..');
}

export interface TarEntry {
  name: string;
  size: number;
  mode: number;
  /** Where the entry's bytes start in the archive. */
  offset: number;
}

/** Writes `files` (name in the archive, file on disk) as one tar archive to `out`; `onBytes` after each chunk. */
export async function writeTar(out: string, files: { name: string; path: string }[], onBytes?: (n: number) => void): Promise<number> {
  const fh = await fs.promises.open(out, 'wx', 0o600);
  let total = 0;
  const put = async (b: Buffer) => {
    await fh.write(b, 0, b.length);
    total += b.length;
    onBytes?.(b.length);
  };
  try {
    const buf = Buffer.alloc(CHUNK);
    for (const f of files) {
      const st = fs.statSync(f.path);
      await put(header(f.name, st.size, st.mode & 0o777, Math.floor(st.mtimeMs / 1000)));
      const src = await fs.promises.open(f.path, 'r');
      try {
        let left = st.size;
        while (left > 0) {
          const { bytesRead } = await src.read(buf, 0, Math.min(CHUNK, left), st.size - left);
          if (bytesRead === 0) throw UrchainError.STORE(`${f.path} shrank while it was archived`);
          await put(buf.subarray(0, bytesRead));
          left -= bytesRead;
        }
      } finally {
        await src.close();
      }
      if (st.size % BLOCK) await put(Buffer.alloc(BLOCK - (st.size % BLOCK)));
    }
    await put(Buffer.alloc(2 * BLOCK));
    await fh.sync();
  } finally {
    await fh.close();
  }
  return total;
}

/** The entries of the archive `file`, in order; refuses a damaged header or an entry that is not a plain file. */
export function readTar(file: string): TarEntry[] {
  const fd = fs.openSync(file, 'r');
  try {
    const size = fs.fstatSync(fd).size;
    const entries: TarEntry[] = [];
    const h = Buffer.alloc(BLOCK);
    for (let at = 0; ; ) {
      if (at + BLOCK > size) throw bad(file, 'it ends without the closing zero blocks');
      fs.readSync(fd, h, 0, BLOCK, at);
      if (h.every((b) => b === 0)) return entries;
      const e = parseHeader(h, file);
      e.offset = at + BLOCK;
      if (e.offset + e.size > size) throw bad(file, `${e.name} is cut short`);
      entries.push(e);
      at = e.offset + Math.ceil(e.size / BLOCK) * BLOCK;
    }
  } finally {
    fs.closeSync(fd);
  }
}

function header(name: string, size: number, mode: number, mtime: number): Buffer {
  const h = Buffer.alloc(BLOCK);
  if (Buffer.byteLength(name) > 99 || !isPlainRelativePath(name)) throw UrchainError.BAD_INPUT(`cannot archive ${JSON.stringify(name)}: a tar name here is a relative path of plain file names, at most 99 bytes`);
  h.write(name, 0, 'utf8');
  octal(h, 100, 8, mode);
  octal(h, 108, 8, 0); // uid
  octal(h, 116, 8, 0); // gid
  if (size < 8 ** 11) octal(h, 124, 12, size);
  else {
    h[124] = 0x80;
    h.writeBigUInt64BE(BigInt(size), 124 + 4);
  }
  octal(h, 136, 12, mtime);
  h.write('0', 156); // a regular file
  h.write('ustar\0', 257, 'latin1');
  h.write('00', 263, 'latin1');
  h.fill(0x20, 148, 156); // the checksum is summed with its own field as spaces
  octal(h, 148, 8, sum(h));
  return h;
}

function parseHeader(h: Buffer, file: string): TarEntry {
  const stored = h.subarray(148, 156);
  const want = readOctal(stored, file, 'checksum');
  const copy = Buffer.from(h);
  copy.fill(0x20, 148, 156);
  if (sum(copy) !== want) throw bad(file, 'a header checksum does not match');
  if (h.toString('latin1', 257, 262) !== 'ustar') throw bad(file, 'it is not a ustar archive');
  const name = cString(h.subarray(0, 100));
  const type = h[156];
  if (type !== 0x30 && type !== 0) throw bad(file, `${name} is not a regular file`);
  if (cString(h.subarray(345, 500)) !== '' || !isPlainRelativePath(name)) throw bad(file, `entry ${JSON.stringify(name)} is not a relative path of plain file names`);
  const size = h[124] === 0x80 ? Number(h.readBigUInt64BE(124 + 4)) : readOctal(h.subarray(124, 136), file, 'size');
  return { name, size, mode: readOctal(h.subarray(100, 108), file, 'mode'), offset: 0 };
}

function octal(h: Buffer, at: number, len: number, n: number) {
  h.write(n.toString(8).padStart(len - 1, '0') + '\0', at, len, 'latin1');
}

function readOctal(b: Buffer, file: string, what: string): number {
  const s = b.toString('latin1').replace(/[\0 ]+$/, '').replace(/^ +/, '');
  if (!/^[0-7]+$/.test(s)) throw bad(file, `a header's ${what} is not an octal number`);
  return parseInt(s, 8);
}

const cString = (b: Buffer) => b.toString('utf8', 0, b.indexOf(0) < 0 ? b.length : b.indexOf(0));
const sum = (h: Buffer) => h.reduce((a, b) => a + b, 0);
const bad = (file: string, why: string) => UrchainError.BAD_INPUT(`${file} is not a usable backup archive: ${why}`, { path: file });
