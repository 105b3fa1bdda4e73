/**
 * The ids of the lists each recent caller is in, kept by this API process so that the default
 * task list does not read list_member first on every request. It only ever narrows which lists a
 * statement looks at: every statement still checks the caller's membership itself, so an entry
 * that is out of date can never show a list the caller has left. It is used only while this
 * process LISTENs on `list_changes` (the event hub says when), which drops a user's entry as soon
 * as their memberships change on any copy; the routes of this process that add a membership drop
 * it too, so the caller's own next request already sees the list they made or joined.
 */
export class ListIdsCache {
  private readonly entries = new Map<string, readonly string[]>();
  private live = false;

  constructor(private readonly maxEntries = 10_000) {}

  /** Whether entries are kept up to date right now. */
  get isLive(): boolean {
    return this.live;
  }

  /** The cached ids, or undefined (not cached, or not kept up to date right now). */
  get(userId: string): readonly string[] | undefined {
    return this.live ? this.entries.get(userId) : undefined;
  }

  set(userId: string, ids: readonly string[]): void {
    if (!this.live) return;
    this.entries.delete(userId);
    this.entries.set(userId, ids);
    // When full, the entry written longest ago goes (it is read again on its next request).
    if (this.entries.size > this.maxEntries) {
      const oldest = this.entries.keys().next().value;
      if (oldest !== undefined) this.entries.delete(oldest);
    }
  }

  forget(userId: string): void {
    this.entries.delete(userId);
  }

  /** Listening (again): start from nothing, since changes may have been missed meanwhile. */
  listening(): void {
    this.entries.clear();
    this.live = true;
  }

  /** Not listening: nothing here can be trusted to be current. */
  deaf(): void {
    this.live = false;
    this.entries.clear();
  }
}
