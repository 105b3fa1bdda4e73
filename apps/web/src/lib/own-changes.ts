/** How long the stream's echo of this tab's own change is expected to take, at most. */
export const ECHO_MS = 10_000;

/**
 * Tells the live stream's echo of this tab's own changes from changes made elsewhere, which the
 * board must fetch. A change is marked as this tab's before it is sent when its task is known (an
 * edit, a tick, a delete), or when its answer names the task (an addition). The stream can bring
 * the echo before the answer, so while a change of this tab is under way, a change it cannot yet
 * place is held until every change under way has its answer (or ECHO_MS has passed), then judged.
 */
export class OwnChanges {
  private readonly mine = new Map<string, number>();
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
      for (const [known, at] of this.mine) if (now - at >= ECHO_MS) this.mine.delete(known);
    }
    this.mine.set(id, now);
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
      if (answered !== null) this.mark(answered);
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

  private isMine(id: string): boolean {
    const at = this.mine.get(id);
    if (at !== undefined && this.now() - at < ECHO_MS) return true;
    this.mine.delete(id);
    return false;
  }

  private judgeHeld(): void {
    this.dispose();
    const foreign = [...this.held].some((id) => !this.isMine(id));
    this.held.clear();
    if (foreign) this.onForeign();
  }
}
