/**
 * A sync's own state (SyncState): page markers (what a resumed run may skip), the incremental
 * checkpoints, and the record of every run. A run that ends well commits its facts refresh, checkpoints,
 * dropped markers and record together (completeRun).
 */
import type { StoreContext } from './driver.js';
import { Facts, small } from './facts.js';
import { ATTRIBUTION_COVERAGE_SQL } from './attribution.js';
import type { AttributionCoverage, CompletedRun, Coverage, CoverageChange, PageMarker, SyncRunRecord, SyncRunResult, SyncState } from './store.js';
import { COVERAGE, SYNC_CHECKPOINTS, SYNC_RUNS, type Row } from './tables.js';

/** The coverage of these connections that have one. */
export async function readCoverages(ctx: StoreContext, connectionIds: readonly string[]): Promise<Map<string, Coverage>> {
  const out = new Map<string, Coverage>();
  if (connectionIds.length === 0) return out;
  const rows = await ctx.lock.run(() =>
    ctx.db.query(
      `SELECT connection_id, from_date, to_date, ${ctx.db.sql.epochMs('as_of')} AS as_of FROM coverage WHERE connection_id IN (${connectionIds.map((_, i) => `$${i + 1}`).join(', ')})`,
      [...connectionIds],
    ),
  );
  for (const r of rows) out.set(String(r.connection_id), { from: String(r.from_date), to: String(r.to_date), asOf: r.as_of === null || r.as_of === undefined ? null : Number(r.as_of) });
  return out;
}

/** The error of a run found still 'running' when the next run of its connection started. */
const INTERRUPTED_ERROR = 'interrupted: the process running this sync stopped before it ended (killed or crashed); the next run resumed its work';

/** Drops the page markers of connection $1's scope $2. */
const CLEAR_SCOPE = 'DELETE FROM sync_pages WHERE connection_id = $1 AND scope = $2';

/** A sync_checkpoints row, stamped now. */
function checkpointRow(connectionId: string, stream: string, updatedThrough: string): Row {
  return { connection_id: connectionId, stream, updated_through: updatedThrough, updated_at: Date.now() };
}

export class SqlSyncState implements SyncState {
  private readonly facts: Facts;

  constructor(private readonly ctx: StoreContext) {
    this.facts = new Facts(ctx);
  }

  private get db() {
    return this.ctx.db;
  }

  async pageMarkers(connectionId: string, scope: string): Promise<PageMarker[]> {
    const rows = await this.ctx.lock.run(() =>
      this.db.query('SELECT * FROM sync_pages WHERE connection_id = $1 AND scope = $2 ORDER BY stream, window_key, page', [connectionId, scope]),
    );
    return rows.map((r) => ({
      stream: String(r.stream),
      scope: String(r.scope),
      windowKey: String(r.window_key),
      page: Number(r.page),
      totalResults: Number(r.total_results),
      records: Number(r.records),
      maxUpdated: r.max_updated === null || r.max_updated === undefined ? null : String(r.max_updated),
    }));
  }

  async clearScope(connectionId: string, scope: string): Promise<void> {
    await this.ctx.lock.run(() => this.db.exec(CLEAR_SCOPE, [connectionId, scope]));
  }

  async getCheckpoint(connectionId: string, stream: string): Promise<string | null> {
    const rows = await this.ctx.lock.run(() =>
      this.db.query('SELECT updated_through FROM sync_checkpoints WHERE connection_id = $1 AND stream = $2', [connectionId, stream]),
    );
    const v = rows[0]?.updated_through;
    return v === undefined || v === null ? null : String(v);
  }

  async setCheckpoint(connectionId: string, stream: string, updatedThrough: string): Promise<void> {
    await this.ctx.lock.run(() => this.db.upsert(SYNC_CHECKPOINTS, [checkpointRow(connectionId, stream, updatedThrough)]));
  }

  async startRun(run: SyncRunRecord): Promise<void> {
    await this.ctx.lock.run(async () => {
      // The caller holds the connection's sync lock, so no earlier run of it is live: one still marked
      // running was stopped without a chance to say so (kill -9, a crash, a power cut).
      await this.db.exec(`UPDATE sync_runs SET status = 'interrupted', error = $1 WHERE connection_id = $2 AND status = 'running' AND run_id <> $3`, [
        INTERRUPTED_ERROR,
        run.connectionId,
        run.runId,
      ]);
      await this.db.upsert(SYNC_RUNS, [
        {
          run_id: run.runId,
          connection_id: run.connectionId,
          mode: run.mode,
          scope: run.scope,
          status: 'running',
          started_at: run.startedAt,
          finished_at: null,
          records: 0,
          pages: 0,
          retries: 0,
          error: null,
        },
      ]);
    });
  }

  async finishRun(runId: string, result: SyncRunResult): Promise<void> {
    await this.ctx.lock.run(() => this.finishRunRow(runId, result));
  }

  async completeRun(c: CompletedRun): Promise<number> {
    return this.ctx.lock.run(() =>
      this.db.transaction(async () => {
        // Coverage first: whether a customer was acquired before it decides their facts, so facts made
        // under a narrower coverage are all made again.
        if (c.coverage && (await this.widen(c.connectionId, c.coverage))) {
          await this.db.exec('INSERT INTO rebuild_pending (connection_id) VALUES ($1) ON CONFLICT DO NOTHING', [c.connectionId]);
        }
        const n = await this.facts.refreshDirty(c.connectionId);
        const cps = Object.entries(c.checkpoints);
        if (cps.length > 0) await this.db.upsert(SYNC_CHECKPOINTS, cps.map(([stream, through]) => checkpointRow(c.connectionId, stream, through)));
        await this.db.exec(CLEAR_SCOPE, [c.connectionId, c.scope]);
        await this.finishRunRow(c.runId, c.result);
        return n;
      }, { serial: small(c.result.records) }),
    );
  }

  async coverage(connectionId: string): Promise<Coverage | null> {
    return (await readCoverages(this.ctx, [connectionId])).get(connectionId) ?? null;
  }

  async extendCoverage(connectionId: string, c: CoverageChange): Promise<void> {
    await this.ctx.lock.run(() => this.widen(connectionId, c));
  }


  /**
   * Widens the coverage row (inside the caller's lock and, in completeRun, its transaction); true when
   * its first day moved earlier (customers' acquisition before it may change).
   */
  private async widen(connectionId: string, c: CoverageChange): Promise<boolean> {
    const [old] = await this.db.query(`SELECT from_date, to_date, ${this.db.sql.epochMs('as_of')} AS as_of FROM coverage WHERE connection_id = $1`, [connectionId]);
    const pick = (a: string | null, b: string | null, later: boolean) => (a === null ? b : b === null ? a : (later ? b > a : b < a) ? b : a);
    const asOfOld = old?.as_of === null || old?.as_of === undefined ? null : Number(old.as_of);
    const row: Row = {
      connection_id: connectionId,
      from_date: pick(old ? (old.from_date as string | null) : null, c.from, false),
      to_date: pick(old ? (old.to_date as string | null) : null, c.to, true),
      as_of: asOfOld === null ? c.asOf : c.asOf === null ? asOfOld : Math.max(asOfOld, c.asOf),
    };
    if (row.from_date === null || row.to_date === null) return false;
    await this.db.upsert(COVERAGE, [row]);
    return old?.from_date !== row.from_date;
  }

  async missingRecords(connectionId: string, limit: number): Promise<{ transactions: number[]; customers: number[] }> {
    if (!Number.isSafeInteger(limit) || limit < 1) throw new RangeError(`not a limit: ${limit}`);
    const rows = await this.ctx.lock.run(() =>
      this.db.query(
        `(SELECT 't' AS k, t.parent_txn_id AS id FROM transactions t WHERE t.connection_id = $1 AND t.parent_txn_id IS NOT NULL
           AND NOT EXISTS (SELECT 1 FROM transactions p WHERE p.connection_id = $1 AND p.transaction_id = t.parent_txn_id) GROUP BY t.parent_txn_id ORDER BY 2 LIMIT ${limit})
         UNION ALL
         (SELECT 'c' AS k, e.customer_id AS id FROM money_events e WHERE e.connection_id = $1 AND e.customer_id IS NOT NULL
           AND NOT EXISTS (SELECT 1 FROM customers c WHERE c.connection_id = $1 AND c.customer_id = e.customer_id) GROUP BY e.customer_id ORDER BY 2 LIMIT ${limit})`,
        [connectionId],
      ),
    );
    return { transactions: rows.filter((r) => r.k === 't').map((r) => Number(r.id)), customers: rows.filter((r) => r.k === 'c').map((r) => Number(r.id)) };
  }

  async attributionCoverage(connectionId: string): Promise<AttributionCoverage> {
    const [r] = await this.ctx.lock.run(() => this.db.query(ATTRIBUTION_COVERAGE_SQL, [connectionId]));
    return { sales: Number(r?.sales ?? 0), withoutProduct: Number(r?.without_product ?? 0), rebillsWithoutPurchase: Number(r?.rebills_without_purchase ?? 0) };
  }

  async quarantined(connectionId: string): Promise<{ stream: string; recordKey: string; reason: string; raw: string; attempts: number }[]> {
    const rows = await this.ctx.lock.run(() =>
      this.db.query('SELECT stream, record_key, reason, raw, attempts FROM quarantine WHERE connection_id = $1 ORDER BY stream, record_key', [connectionId]),
    );
    return rows.map((r) => ({ stream: String(r.stream), recordKey: String(r.record_key), reason: String(r.reason), raw: String(r.raw), attempts: Number(r.attempts) }));
  }

  private async finishRunRow(runId: string, result: SyncRunResult): Promise<void> {
    const rows = await this.db.query(
      `SELECT run_id, connection_id, mode, scope, ${this.db.sql.epochMs('started_at')} AS started_at FROM sync_runs WHERE run_id = $1`,
      [runId],
    );
    const r = rows[0];
    if (!r) return;
    await this.db.upsert(SYNC_RUNS, [
      {
        ...r,
        status: result.status,
        finished_at: result.finishedAt,
        records: result.records,
        pages: result.pages,
        retries: result.retries,
        error: result.error ?? null,
      },
    ]);
  }
}
