/**
 * The report endpoints' cache. Parsing a request and rendering a report belong to src/report (shared with
 * `konduit report`, so the dashboard and the CLI cannot disagree).
 */

/**
 * Report answers by query, kept for `ttlMs` and dropped whenever a sync of this server stores records,
 * so revisiting a page costs no query. Syncs run by another process (konduit sync --watch on
 * PostgreSQL) show up once an entry expires.
 */
export class ReportCache {
  private readonly entries = new Map<string, { at: number; body: unknown }>();
  constructor(
    private readonly ttlMs = 60_000,
    private readonly max = 200,
  ) {}

  /** The cached answer for `key`, or the one `compute` gives (then cached). */
  async get(key: string, compute: () => Promise<unknown>): Promise<unknown> {
    const hit = this.entries.get(key);
    if (hit && Date.now() - hit.at < this.ttlMs) return hit.body;
    const body = await compute();
    this.entries.delete(key);
    this.entries.set(key, { at: Date.now(), body });
    // Map order is insertion order: the first key is the least recently computed.
    if (this.entries.size > this.max) this.entries.delete(this.entries.keys().next().value as string);
    return body;
  }

  clear(): void {
    this.entries.clear();
  }
}
