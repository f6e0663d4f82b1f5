/**
 * A progress line for long-running tools: shown only when the stream is a terminal, rewritten in
 * place with "\r", at most ~10 times a second, and wiped before any other line is written. On a
 * pipe or file it writes nothing, so the output stays the change lines alone.
 */

/** What the reporter writes to (process.stderr, or a fake in tests). */
export interface ProgressStream {
  isTTY?: boolean;
  write(text: string): unknown;
}

/** Minimum interval between two updates of the line. */
export const PROGRESS_INTERVAL_MS = 100;

export class Progress {
  private lastDraw = -Infinity;
  private shown = false;
  private readonly enabled: boolean;

  constructor(
    private readonly stream: ProgressStream | undefined,
    private readonly now: () => number = Date.now,
  ) {
    this.enabled = stream?.isTTY === true;
  }

  /** "label: done/total" (or "label: done" without a total); drawn when the interval has passed. */
  update(label: string, done: number, total?: number): void {
    if (!this.enabled) return;
    const t = this.now();
    if (t - this.lastDraw < PROGRESS_INTERVAL_MS) return;
    this.lastDraw = t;
    this.shown = true;
    this.stream!.write(`\r${label}: ${total === undefined ? done : `${done}/${total}`}\x1b[K`);
  }

  /** `write` with the line wiped first: how a tool prints its own lines while the progress shows. */
  writer(write: (text: string) => unknown): (text: string) => void {
    return (text) => {
      this.clear();
      write(text);
    };
  }

  /** Wipe the line (before writing something else, and at the end). */
  clear(): void {
    if (!this.enabled || !this.shown) return;
    this.stream!.write('\r\x1b[K');
    this.shown = false;
  }
}
