/**
 * Renders sync progress: a redrawn bar on a terminal, plain lines (at most one every few seconds)
 * otherwise, e.g. in logs and CI.
 */
import { formatDuration, progressLine, type ProgressSnapshot } from '../sync/progress.js';

export interface ProgressRenderer {
  update(p: ProgressSnapshot): void;
  /** Ends the bar's line. */
  finish(): void;
}

/** A renderer for `out`: a bar when it is a TTY, throttled plain lines when not. */
export function progressRenderer(out: NodeJS.WriteStream, label: string, plainEveryMs = 5000): ProgressRenderer {
  let last = 0;
  let drawn = false;
  if (out.isTTY) {
    return {
      update(p) {
        const now = Date.now();
        if (p.phase !== 'done' && now - last < 100) return;
        last = now;
        const width = 24;
        const frac = p.pagesPlanned > 0 ? Math.min(1, p.pages / p.pagesPlanned) : 0;
        const filled = Math.round(frac * width);
        const bar = `[${'#'.repeat(filled)}${'-'.repeat(width - filled)}]`;
        const line = `${label} ${bar} ${Math.round(frac * 100)}%  ${p.records} records  ${p.pages}/${p.pagesPlanned} pages  ${Math.round(p.recordsPerSec)}/s  ETA ${formatDuration(p.etaMs)}${p.retries ? `  ${p.retries} retries` : ''}`;
        out.write(`\r\x1b[2K${line.slice(0, (out.columns || 120) - 1)}`);
        drawn = true;
      },
      finish() {
        if (drawn) out.write('\n');
      },
    };
  }
  return {
    update(p) {
      const now = Date.now();
      if (p.phase !== 'done' && now - last < plainEveryMs) return;
      last = now;
      out.write(`${label} ${progressLine(p)}\n`);
    },
    finish() {},
  };
}
