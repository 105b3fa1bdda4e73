import { execFile } from "node:child_process";
import { promisify } from "node:util";
import { z } from "zod";

/**
 * Sends `head` and `rows` times `row` to `url` from a child process, each piece made as the
 * socket takes it (with `content-length` in `headers`, or chunked without), and answers the
 * status and problem detail the server sent back, or the reset that beat them to the client.
 * Sent by another process, so what this one holds while it arrives is the server's alone.
 */
export async function uploadFromAnotherProcess(upload: {
  url: string;
  headers: Record<string, string>;
  head: string;
  row: string;
  rows: number;
}): Promise<{ status: number; detail: string } | { reset: string }> {
  const script = `
    const { request } = require("node:http");
    const { Readable } = require("node:stream");
    const upload = JSON.parse(process.argv[1]);
    const body = Readable.from((function* () {
      yield Buffer.from(upload.head);
      for (let i = 0; i < upload.rows; i++) yield Buffer.from(upload.row);
    })());
    const req = request(upload.url, { method: "POST", headers: upload.headers }, (response) => {
      let text = "";
      response.setEncoding("utf8");
      response.on("data", (part) => (text += part));
      response.on("end", () => {
        let detail; try { detail = JSON.parse(text).detail; } catch { detail = "(not JSON: " + text.slice(0, 80) + ")"; }
        process.stdout.write(JSON.stringify({ status: response.statusCode, detail: String(detail) }));
        process.exit(0);
      });
    });
    // The server closes the connection on a refusal; a reset can come before its answer is read.
    req.on("error", (error) => {
      process.stdout.write(JSON.stringify({ reset: error.code }));
      process.exit(0);
    });
    body.pipe(req);
  `;
  const { stdout } = await promisify(execFile)(process.execPath, [
    "-e",
    script,
    JSON.stringify(upload),
  ]);
  return z
    .union([z.object({ status: z.number(), detail: z.string() }), z.object({ reset: z.string() })])
    .parse(JSON.parse(stdout));
}

/**
 * Runs `work` while sampling, every 100 ms, how much more this process holds (heap and buffers)
 * than before it began; answers the work's result and the peak in bytes. Each sample follows two
 * full garbage collections a turn of the event loop apart, as the memory of collected buffers is
 * given back after the collection that finds them: one collection counts buffers already dropped.
 * Needs node --expose-gc (see vitest.config.ts).
 */
export async function peakHeldDuring<T>(
  work: () => Promise<T>,
): Promise<{ result: T; peak: number }> {
  const gc = globalThis.gc;
  if (!gc) throw new Error("the memory check needs node --expose-gc (see vitest.config.ts)");
  const held = async () => {
    gc();
    await new Promise((resolve) => setImmediate(resolve));
    gc();
    const now = process.memoryUsage();
    return now.heapUsed + now.arrayBuffers;
  };
  const start = await held();
  let peak = 0;
  let sampling = true;
  const sampler = (async () => {
    while (sampling) {
      peak = Math.max(peak, (await held()) - start);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  })();
  try {
    const result = await work();
    return { result, peak: Math.max(peak, (await held()) - start) };
  } finally {
    sampling = false;
    await sampler;
  }
}
