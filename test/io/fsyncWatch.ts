/**
 * Test helper: records which paths are fsynced, in order, by wrapping fs.openSync/fsyncSync/
 * closeSync on node:fs's shared module object (src/ calls them through it).
 */
import fs from 'node:fs';
import path from 'node:path';

export function watchFsyncs(): { synced: string[]; stop: () => void } {
  const open = fs.openSync;
  const fsync = fs.fsyncSync;
  const close = fs.closeSync;
  const paths = new Map<number, string>();
  const synced: string[] = [];
  fs.openSync = ((p: fs.PathLike, ...rest: unknown[]) => {
    const fd = (open as (...a: unknown[]) => number)(p, ...rest);
    paths.set(fd, path.resolve(String(p)));
    return fd;
  }) as typeof fs.openSync;
  fs.fsyncSync = ((fd: number) => {
    fsync(fd);
    synced.push(paths.get(fd) ?? `fd ${fd}`);
  }) as typeof fs.fsyncSync;
  fs.closeSync = ((fd: number) => {
    paths.delete(fd);
    close(fd);
  }) as typeof fs.closeSync;
  return {
    synced,
    stop: () => {
      fs.openSync = open;
      fs.fsyncSync = fsync;
      fs.closeSync = close;
    },
  };
}
