import { createReadStream } from "node:fs";
import type { Readable } from "node:stream";
import { CsvError, parse } from "csv-parse";
import { spool, UploadTooLarge } from "./spool.ts";

// Reading an uploaded CSV file: csv-parse does the CSV (quotes, commas and newlines inside quotes,
// a BOM, CRLF); this module keeps the file within its limits, so a file over them is refused
// before it is held, and names what is wrong with a file that is not a CSV at all. The upload is
// first written to disk as it arrives (its size checked with every chunk), then its rows are read
// from there: what is kept of a file's rows is never held while the file may still be too large.

export interface CsvLimits {
  /** Bytes of the whole file. */
  bytes: number;
  /** Rows after the header, blank rows not counted. */
  rows: number;
  /** Characters of one row (a guard for a file of one endless quoted field). */
  rowChars: number;
}

/** One row of the file as kept, and its number as a spreadsheet shows it (the header is 1). */
export interface CsvRow<T> {
  row: number;
  value: T;
}

/**
 * What is kept of each row, given the header's names (trimmed, in upper case): only what the
 * import uses, so that the rows held while the file arrives stay well within its size.
 */
export type CsvProjection<T> = (header: readonly string[]) => (cells: string[]) => T;

/** A file refused, with what to tell the person. */
export class CsvRefused extends Error {
  constructor(readonly detail: string) {
    super(detail);
    this.name = "CsvRefused";
  }
}

const format = (value: number) => value.toLocaleString("en-US");
const MIB = 1024 * 1024;

/** What a file is when its first bytes say it is not text: a refusal, or null for text. */
function notText(start: Buffer): string | null {
  const zip = start.subarray(0, 4).equals(Buffer.from([0x50, 0x4b, 0x03, 0x04]));
  const ole = start.subarray(0, 4).equals(Buffer.from([0xd0, 0xcf, 0x11, 0xe0]));
  if (zip || ole)
    return "The file is a spreadsheet or another packed file, not a CSV: save it as CSV first";
  if (start.includes(0)) return "The file is not text: expected a CSV file";
  const first = start
    .toString("utf8", 0, Math.min(start.length, 64))
    .replace(/^\ufeff/, "")
    .trimStart();
  if (first.startsWith("{") || first.startsWith("["))
    return "The file is JSON, not a CSV (a Taskbridge export is imported with POST /api/import)";
  return null;
}

/** A csv-parse error as a sentence for the person, without echoing the file's text. */
function unreadable(error: CsvError, row: number): string {
  if (error.code === "CSV_MAX_RECORD_SIZE")
    return `Row ${row} is longer than the limit of one row; is it missing a closing quote?`;
  if (error.code === "CSV_QUOTE_NOT_CLOSED")
    return "The file ends inside a quoted field: a closing quote is missing";
  if (error.code.includes("QUOTE"))
    return `Row ${row} is not valid CSV: a quote inside a field must be doubled ("")`;
  return `Row ${row} is not valid CSV`;
}

/**
 * Reads an uploaded CSV file into rows: written to a temporary file first, refused as soon as a
 * declared length or the bytes received pass the byte limit (rejecting with `CsvRefused`), then
 * read with `readCsv`. The temporary file is removed whatever happens.
 */
export async function readCsvUpload<T>(
  stream: Readable,
  declaredLength: number | undefined,
  limits: CsvLimits,
  required: readonly string[],
  kind: string,
  project: CsvProjection<T>,
): Promise<Array<CsvRow<T>>> {
  const file = await spool(stream, declaredLength, limits.bytes).catch((error: unknown) => {
    throw error instanceof UploadTooLarge ? new CsvRefused(tooLarge(limits)) : error;
  });
  const source = createReadStream(file.path);
  try {
    return await readCsv(source, file.bytes, limits, required, kind, project);
  } finally {
    source.destroy();
    await file.dispose();
  }
}

const tooLarge = (limits: CsvLimits) =>
  `The file is larger than ${format(limits.bytes / MIB)} MB, the most one import takes`;

/**
 * Reads a CSV file from `stream` into rows, checking `limits` as the bytes arrive: past the byte
 * or row limit (or with a declared length past it), the promise rejects with `CsvRefused` and
 * nothing more is kept.
 * The first non-blank row is the header; `required` names columns it must hold. Blank rows are
 * counted for numbering but not returned.
 */
export function readCsv<T>(
  stream: Readable,
  declaredLength: number | undefined,
  limits: CsvLimits,
  required: readonly string[],
  kind: string,
  project: CsvProjection<T>,
): Promise<Array<CsvRow<T>>> {
  return new Promise((resolve, reject) => {
    // A file that says it is too large is refused before a byte of it is read. (Fastify answers
    // a parser's refusal with `connection: close`, so the rest of a refused file is never read.)
    if (declaredLength !== undefined && declaredLength > limits.bytes) {
      reject(new CsvRefused(tooLarge(limits)));
      return;
    }
    const parser = parse({ bom: true, relax_column_count: true, max_record_size: limits.rowChars });
    /** Set once the header is read: what is kept of each row below it. */
    let keep: ((cells: string[]) => T) | null = null;
    const rows: Array<CsvRow<T>> = [];
    let row = 0;
    let bytes = 0;
    let settled = false;
    let started = false;

    const stop = (detail: string | Error) => {
      if (settled) return;
      settled = true;
      stream.off("data", onData);
      stream.off("end", onEnd);
      parser.destroy();
      reject(typeof detail === "string" ? new CsvRefused(detail) : detail);
    };

    parser.on("data", (cells: string[]) => {
      if (settled) return;
      row += 1;
      if (cells.every((cell) => cell.trim() === "")) return;
      if (keep === null) {
        const header = cells.map((cell) => cell.trim().toUpperCase());
        const missing = required.filter((name) => !header.includes(name));
        if (missing.length > 0) {
          const found = header
            .slice(0, 6)
            .map((name) => (name.length > 24 ? `${name.slice(0, 24)}…` : name))
            .join(", ");
          stop(
            `Not a ${kind}: the first row must name the columns ${required.join(" and ")} ` +
              `(it has ${found || "no names"})`,
          );
        }
        keep = project(header);
        return;
      }
      rows.push({ row, value: keep(cells) });
      if (rows.length > limits.rows)
        stop(`The file has more than ${format(limits.rows)} rows, the most one import takes`);
    });
    parser.on("error", (error) => {
      stop(error instanceof CsvError ? unreadable(error, row + 1) : error);
    });
    parser.on("end", () => {
      if (settled) return;
      settled = true;
      if (keep === null) reject(new CsvRefused(`The file is empty: expected a ${kind}`));
      else resolve(rows);
    });

    const onData = (chunk: Buffer) => {
      bytes += chunk.length;
      if (bytes > limits.bytes) {
        stop(tooLarge(limits));
        return;
      }
      if (!started) {
        started = true;
        const refused = notText(chunk);
        if (refused) {
          stop(refused);
          return;
        }
      }
      parser.write(chunk);
    };
    const onEnd = () => {
      if (!settled) parser.end();
    };
    stream.on("data", onData);
    stream.on("end", onEnd);
    stream.on("error", (error) => stop(error));
  });
}
