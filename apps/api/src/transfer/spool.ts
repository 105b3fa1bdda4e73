import { createWriteStream } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Readable } from "node:stream";

// An uploaded file is written to a private temporary file as it arrives, its size checked with
// every chunk, and read only once it is whole and within the limit. So a file over the limit is
// refused having held nothing but the chunk in flight, whether or not it declared its length:
// what the import keeps of a file's rows is read from disk afterwards, never while the upload
// may still turn out too large.

/** An upload over the limit, declared or counted. */
export class UploadTooLarge extends Error {
  constructor(readonly limit: number) {
    super(`upload over ${limit} bytes`);
    this.name = "UploadTooLarge";
  }
}

/** An upload the client stopped sending before its end. */
export class UploadAborted extends Error {
  constructor() {
    super("the upload ended before its end");
    this.name = "UploadAborted";
  }
}

/** A whole upload on disk; `dispose` removes it. */
export interface Spooled {
  path: string;
  bytes: number;
  dispose(): Promise<void>;
}

/**
 * Writes `stream` to a temporary file, refusing with `UploadTooLarge` as soon as a declared
 * length or the bytes read pass `limit` (the file is removed and the rest of the stream is not
 * read). The file is readable by this process's user only.
 */
export async function spool(
  stream: Readable,
  declaredLength: number | undefined,
  limit: number,
): Promise<Spooled> {
  if (declaredLength !== undefined && declaredLength > limit) throw new UploadTooLarge(limit);
  const dir = await mkdtemp(join(tmpdir(), "taskbridge-upload-"));
  const path = join(dir, "upload");
  const dispose = () => rm(dir, { recursive: true, force: true });
  // Up to 256 KiB may wait for the disk before the socket is paused: with the default 16 KiB,
  // a busy thread pool would pause it after nearly every chunk and slow the upload to a crawl.
  const file = createWriteStream(path, { flags: "wx", mode: 0o600, highWaterMark: 256 * 1024 });
  try {
    const bytes = await new Promise<number>((resolve, reject) => {
      let bytes = 0;
      let settled = false;
      const settle = (error: Error | null) => {
        if (settled) return;
        settled = true;
        stream.off("data", onData);
        stream.off("end", onEnd);
        stream.off("error", settle);
        stream.off("close", onClose);
        if (error) reject(error);
        else resolve(bytes);
      };
      const onData = (chunk: Buffer) => {
        bytes += chunk.length;
        if (bytes > limit) {
          settle(new UploadTooLarge(limit));
          return;
        }
        // The disk is slower than the socket at times: the socket waits rather than memory.
        if (!file.write(chunk)) {
          stream.pause();
          file.once("drain", () => stream.resume());
        }
      };
      const onEnd = () => {
        stream.off("close", onClose);
        file.end(() => settle(null));
      };
      const onClose = () => settle(new UploadAborted());
      stream.on("data", onData);
      stream.once("end", onEnd);
      stream.once("error", settle);
      stream.once("close", onClose);
      // Kept for good: a write still queued when the file is given up fails after settling.
      file.on("error", settle);
    });
    return { path, bytes, dispose };
  } catch (error) {
    file.destroy();
    await dispose();
    throw error;
  }
}
