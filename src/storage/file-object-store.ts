import { randomUUID } from 'node:crypto';
import { mkdir, open, readFile, readdir, rename, rm, stat } from 'node:fs/promises';
import { basename, dirname, join, sep } from 'node:path';
import type { Readable } from 'node:stream';
import { pathToFileURL } from 'node:url';
import { writeBodyToFile, type BodyMeter, type ObjectBody } from './object-body.js';
import { compareKeys, validateKey, validatePrefix } from './object-key.js';
import {
  ObjectNotFoundError,
  ObjectStoreConfigError,
  ObjectStoreRequestError,
  ObjectStoreTransientError,
  type RequestDetails,
} from './object-store-errors.js';
import type { ObjectStore } from './object-store.js';

// Errors that say the file system is temporarily out of a resource, not that the setup is wrong.
const TRANSIENT_CODES = new Set(['EMFILE', 'ENFILE', 'EAGAIN', 'EBUSY', 'ENOSPC', 'EIO']);
const CONFIG_CODES = new Set(['EACCES', 'EPERM', 'EROFS']);
// A key whose path runs through a file, or names a directory, is simply not an object.
const ABSENT_CODES = new Set(['ENOENT', 'ENOTDIR', 'EISDIR']);

/**
 * Objects as files under `root`, keys as relative paths. Writes go to a dot-file beside the target and
 * are renamed into place, so readers (and ClickHouse's file()) see the old object or the whole new one.
 * Listing skips dot-entries, which hides writes in progress and any a crashed process left behind.
 */
export class FileObjectStore implements ObjectStore {
  readonly url: string;

  constructor(private readonly root: string) {
    this.url = pathToFileURL(root).href;
  }

  // Files carry no content type, so put() takes no options.
  async put(key: string, body: ObjectBody): Promise<{ bytes: number }> {
    const path = this.pathOf(key);
    const meter: BodyMeter = { bytes: 0 };
    const temp = join(dirname(path), `.${basename(path)}.${randomUUID()}.partial`);
    try {
      await mkdir(dirname(path), { recursive: true });
      await writeBodyToFile(body, temp, meter);
      await rename(temp, path);
    } catch (error) {
      await rm(temp, { force: true });
      throw error === meter.sourceError ? error : this.fsError(error, 'put', key);
    }
    return { bytes: meter.bytes };
  }

  async get(key: string): Promise<Readable> {
    const path = this.pathOf(key);
    // Opening first turns a missing object into a rejected promise rather than a stream error.
    const handle = await open(path, 'r').catch((error: unknown) => {
      throw this.readError(error, 'get', key);
    });
    // Linux lets a directory be opened for reading; it is not an object.
    if (!(await handle.stat()).isFile()) {
      await handle.close();
      throw new ObjectNotFoundError(this.url, key);
    }
    return handle.createReadStream();
  }

  async getBytes(key: string): Promise<Buffer> {
    const path = this.pathOf(key);
    try {
      return await readFile(path);
    } catch (error) {
      throw this.readError(error, 'getBytes', key);
    }
  }

  async head(key: string): Promise<{ size: number } | null> {
    const path = this.pathOf(key);
    try {
      const stats = await stat(path);
      return stats.isFile() ? { size: stats.size } : null;
    } catch (error) {
      if (isAbsent(error)) return null;
      throw this.fsError(error, 'head', key);
    }
  }

  async list(prefix: string): Promise<Array<{ key: string; size: number }>> {
    validatePrefix(prefix);
    // Walk only the deepest directory the prefix fully names; the rest of the prefix filters by string.
    const directory = prefix.includes('/') ? prefix.slice(0, prefix.lastIndexOf('/')) : '';
    try {
      const found = await this.walk(directory);
      return found.filter((entry) => entry.key.startsWith(prefix)).sort(compareKeys);
    } catch (error) {
      throw this.fsError(error, 'list', prefix);
    }
  }

  async delete(key: string): Promise<void> {
    const path = this.pathOf(key);
    try {
      const stats = await stat(path);
      if (stats.isFile()) await rm(path);
    } catch (error) {
      if (isAbsent(error)) return;
      throw this.fsError(error, 'delete', key);
    }
  }

  locate(key: string): { kind: 'file'; path: string } {
    return { kind: 'file', path: this.pathOf(key) };
  }

  private pathOf(key: string): string {
    return join(this.root, ...validateKey(key).split('/'));
  }

  private async walk(directory: string): Promise<Array<{ key: string; size: number }>> {
    let entries;
    try {
      entries = await readdir(join(this.root, directory), { withFileTypes: true });
    } catch (error) {
      if (isAbsent(error)) return [];
      throw error;
    }
    const nested = await Promise.all(
      entries
        .filter((entry) => !entry.name.startsWith('.'))
        .map(async (entry) => {
          const key = directory ? `${directory}/${entry.name}` : entry.name;
          if (entry.isDirectory()) return this.walk(key);
          if (!entry.isFile()) return [];
          // A concurrent delete may remove the file between readdir and stat; it is then not listed.
          const stats = await stat(join(this.root, ...key.split('/'))).catch((error: unknown) => {
            if (isAbsent(error)) return null;
            throw error;
          });
          return stats ? [{ key, size: stats.size }] : [];
        }),
    );
    return nested.flat();
  }

  /** fsError for reads, where a missing file means a missing object. */
  private readError(error: unknown, operation: string, key: string): unknown {
    return isAbsent(error) ? new ObjectNotFoundError(this.url, key) : this.fsError(error, operation, key);
  }

  /** Maps a Node file-system error to the store's error types; anything else passes through. */
  private fsError(error: unknown, operation: string, key: string): unknown {
    const code = errorCode(error);
    if (code === undefined || !(error instanceof Error)) return error;
    const details: RequestDetails = { store: this.url, operation, key, code };
    if (TRANSIENT_CODES.has(code)) return new ObjectStoreTransientError(details, error.message);
    if (CONFIG_CODES.has(code)) return new ObjectStoreConfigError(details, `${error.message}; check that ${this.root}${sep} is writable by this process`);
    return new ObjectStoreRequestError(details, error.message);
  }
}

function isAbsent(error: unknown): boolean {
  return ABSENT_CODES.has(errorCode(error) ?? '');
}

function errorCode(error: unknown): string | undefined {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' ? code : undefined;
}
