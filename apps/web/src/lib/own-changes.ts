/** How long the stream's echo of this tab's own change is expected to take, at most. */
export const ECHO_MS = 10_000;

/**
 * Tells the live stream's echo of this tab's own changes from changes made elsewhere, which the
 * board must fetch. A change is marked as this tab's before it is sent when its task is known (an
 * edit, a tick, a delete), or when its answer names the task (an addition). The stream can bring
 * the echo before the answer, so while a change of this tab is under way, a change it cannot yet
 * place is held until every change under way has its answer (or ECHO_MS has passed), then judged.
 * Each change of this tab accounts for one echo: a second change to the same task soon after is
 * someone else's (a collaborator on a shared list), not this tab's echo again.
 */
export class OwnChanges {
  /** Per task: the echoes still expected of this tab's changes, and when the last was made. */
  private readonly mine = new Map<string, { at: number; echoes: number }>();
  private readonly held = new Set<string>();
  private underWay = 0;
  private timer: ReturnType<typeof setTimeout> | undefined;

  constructor(
    /** Called when a change from elsewhere arrives, or is found among those held. */
    private readonly onForeign: () => void,
    private readonly now: () => number = Date.now,
  ) {}

  /** This tab is changing the task `id` (marked before the request goes). */
  mark(id: string): void {
    const now = this.now();
    if (this.mine.size >= 1000) {
      for (const [known, { at }] of this.mine) if (now - at >= ECHO_MS) this.mine.delete(known);
    }
    const known = this.mine.get(id);
    const echoes = known && now - known.at < ECHO_MS ? known.echoes : 0;
    this.mine.set(id, { at: now, echoes: echoes + 1 });
  }

  /**
   * A change of this tab is under way, on the task `id` if known; call what this returns once
   * with the task its answer names (or null when it failed).
   */
  start(id?: string): (answered: string | null) => void {
    if (id !== undefined) this.mark(id);
    this.underWay += 1;
    let settled = false;
    return (answered) => {
      if (settled) return;
      settled = true;
      // An addition's task is known only now; a change to a known task was marked already.
      if (answered !== null && answered !== id) this.mark(answered);
      this.underWay -= 1;
      if (this.underWay === 0) this.judgeHeld();
    };
  }

  /** The stream reports a change to the task `id`. */
  changed(id: string): void {
    if (this.isMine(id)) return;
    if (this.underWay > 0) {
      this.held.add(id);
      this.timer ??= setTimeout(() => this.judgeHeld(), ECHO_MS);
      return;
    }
    this.onForeign();
  }

  /** Stops the hold's timer (the board is going away). */
  dispose(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
  }

  /** Whether a change to `id` is the echo of one of this tab's own; if so, that echo is used up. */
  private isMine(id: string): boolean {
    const known = this.mine.get(id);
    if (known === undefined) return false;
    if (this.now() - known.at >= ECHO_MS) {
      this.mine.delete(id);
      return false;
    }
    if (known.echoes <= 1) this.mine.delete(id);
    else known.echoes -= 1;
    return true;
  }

  private judgeHeld(): void {
    this.dispose();
    const foreign = [...this.held].some((id) => !this.isMine(id));
    this.held.clear();
    if (foreign) this.onForeign();
  }
}
