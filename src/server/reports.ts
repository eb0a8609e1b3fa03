/**
 * The report endpoints' cache. Parsing a request and rendering a report belong to src/report (shared with
 * `konduit report`, so the dashboard and the CLI cannot disagree).
 */

/**
 * Report answers by query, kept for `ttlMs` and dropped whenever a sync of this server stores records,
 * so revisiting a page costs no query. A sync run by another process (konduit sync on PostgreSQL) is
 * seen through the store when the status is read (GET /api/status, which every report page polls while
 * a sync runs): each read that finds it further on, or ended, drops the answers too (app.ts). Bounded by count and by the bytes of the answers' JSON
 * (`maxBytes`, the least recently computed dropped first); an answer larger than a quarter of it is
 * returned without being kept.
 */
export class ReportCache {
  private readonly entries = new Map<string, { at: number; body: unknown; bytes: number }>();
  private bytes = 0;
  constructor(
    private readonly ttlMs = 60_000,
    private readonly max = 200,
    private readonly maxBytes = 32 * 1024 * 1024,
  ) {}

  /** The cached answer for `key`, or the one `compute` gives (then cached). */
  async get(key: string, compute: () => Promise<unknown>): Promise<unknown> {
    const hit = this.entries.get(key);
    if (hit && Date.now() - hit.at < this.ttlMs) return hit.body;
    const body = await compute();
    this.drop(key);
    const bytes = Buffer.byteLength(JSON.stringify(body) ?? '');
    if (bytes > this.maxBytes / 4) return body;
    this.entries.set(key, { at: Date.now(), body, bytes });
    this.bytes += bytes;
    // Map order is insertion order: the first key is the least recently computed.
    while (this.entries.size > this.max || this.bytes > this.maxBytes) this.drop(this.entries.keys().next().value as string);
    return body;
  }

  /** Bytes of JSON the cache holds. */
  size(): number {
    return this.bytes;
  }

  clear(): void {
    this.entries.clear();
    this.bytes = 0;
  }

  private drop(key: string): void {
    const e = this.entries.get(key);
    if (!e) return;
    this.entries.delete(key);
    this.bytes -= e.bytes;
  }
}
