/** A page as it was sent: the body's bytes and its `Link` header, if it had one. */
export interface SentPage {
  body: Buffer;
  link: string | undefined;
}

interface Entry extends SentPage {
  /** What the caller could see when the page was read (FeedRepository.version). */
  version: string;
  /** The bytes it is counted for. */
  size: number;
}

/**
 * The default task list pages this process last sent, each with the version of what its caller
 * could see when it was read. A page is sent again only when the caller's version is still the
 * same, and that version is read from the database on every request (the change feed's head,
 * which the database's triggers raise in the transaction of every change to the caller's tasks,
 * lists or memberships, whichever copy or tool makes it). So an entry is never trusted on its
 * own: it only saves reading and writing the same rows again, and holds nothing another copy
 * does not see. Entries are keyed by caller and by the request's path and query string; the
 * least recently used go first when the entries' bytes exceed `maxBytes`.
 */
export class PageCache {
  private readonly entries = new Map<string, Entry>();
  private bytes = 0;

  constructor(private readonly maxBytes: number) {}

  /** Whether pages are kept at all (`API_PAGE_CACHE_MB=0` turns it off). */
  get enabled(): boolean {
    return this.maxBytes > 0;
  }

  /** The page sent for `url` to `userId` while their version was `version`, if kept. */
  get(userId: string, url: string, version: string): SentPage | undefined {
    const key = keyOf(userId, url);
    const entry = this.entries.get(key);
    if (!entry) return undefined;
    if (entry.version !== version) {
      this.drop(key, entry);
      return undefined;
    }
    // Used again: it is now the most recently used.
    this.entries.delete(key);
    this.entries.set(key, entry);
    return entry;
  }

  set(userId: string, url: string, version: string, page: SentPage): void {
    const key = keyOf(userId, url);
    // The key and the header count too (as one byte a character: near enough for a bound).
    const size = page.body.length + key.length + version.length + (page.link?.length ?? 0);
    if (size > this.maxBytes) return;
    const old = this.entries.get(key);
    if (old) this.drop(key, old);
    this.entries.set(key, { ...page, version, size });
    this.bytes += size;
    for (const [oldest, entry] of this.entries) {
      if (this.bytes <= this.maxBytes) break;
      this.drop(oldest, entry);
    }
  }

  /** How many pages and bytes are kept. */
  get size(): { pages: number; bytes: number } {
    return { pages: this.entries.size, bytes: this.bytes };
  }

  private drop(key: string, entry: Entry) {
    this.entries.delete(key);
    this.bytes -= entry.size;
  }
}

// A user id holds no line break (Better Auth's ids are URL-safe), nor does a request line.
const keyOf = (userId: string, url: string) => `${userId}\n${url}`;
