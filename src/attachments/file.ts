// A file arriving as a stream of bytes (an HTTP body today), read in pieces of a fixed
// size, counted and hashed on the way, and refused the moment it passes the limit, so
// an oversized upload is never read to its end and memory holds about two pieces.
import crypto from 'node:crypto';
import { AppError } from '../errors.ts';

export interface IncomingFile {
  /** The bytes in pieces of exactly `size` bytes, the last one shorter. Read once. */
  pieces(size: number): AsyncGenerator<Buffer>;
  /** Reads what is left without keeping it; the sha256 of the whole file. */
  drain(): Promise<string>;
  /** Bytes read so far. */
  readonly size: number;
  /** The sha256 (hex) of the file, once it has been read to its end. */
  sha256(): string;
}

export function incomingFile(source: AsyncIterable<Buffer>, limit: number): IncomingFile {
  const hash = crypto.createHash('sha256');
  let size = 0;
  let digest: string | null = null;

  async function* bytes(): AsyncGenerator<Buffer> {
    try {
      for await (const chunk of source) {
        size += chunk.length;
        if (size > limit) throw new AppError('payload_too_large', `the file is larger than ${limit} bytes`);
        hash.update(chunk);
        yield chunk;
      }
    } catch (err) {
      if (err instanceof AppError) throw err;
      // The client went away mid-upload: nobody hears the answer, but it is theirs, not ours.
      throw new AppError('validation_failed', 'the upload ended before the whole file arrived', [{ path: 'body', message: 'ended early' }]);
    }
    digest = hash.digest('hex');
  }

  async function* pieces(pieceSize: number): AsyncGenerator<Buffer> {
    let held: Buffer[] = [];
    let heldBytes = 0;
    for await (const chunk of bytes()) {
      held.push(chunk);
      heldBytes += chunk.length;
      while (heldBytes >= pieceSize) {
        const all = held.length === 1 ? held[0] : Buffer.concat(held, heldBytes);
        yield all.subarray(0, pieceSize);
        const rest = all.subarray(pieceSize);
        held = rest.length ? [rest] : [];
        heldBytes = rest.length;
      }
    }
    if (heldBytes > 0) yield Buffer.concat(held, heldBytes);
  }

  return {
    pieces,
    async drain() {
      for await (const _ of bytes());
      return digest!;
    },
    get size() { return size; },
    sha256() {
      if (digest === null) throw new Error('the file has not been read to its end');
      return digest;
    },
  };
}
