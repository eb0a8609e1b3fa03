/**
 * The sync engine (apply): walks the planned windows and pages of every stream with a pool of
 * workers, writes each page with its marker in one store transaction, and moves the incremental
 * checkpoints when the whole run succeeded. A crashed run re-run with the same arguments resumes from
 * its markers; upserts by primary key make any repeated page harmless.
 */
import { randomUUID } from 'node:crypto';
import { setImmediate } from 'node:timers/promises';
import { addDays, crmWallToInstant, localDate, startOfLocalDay } from '../core/time.js';
import { CrmError, crmDate, type Endpoint, type Page } from '../crm/client.js';
import type { AttributionCoverage, CoverageChange, PageMarker, PageWrite, SyncStore, WriteOptions } from '../store/store.js';
import {
  DEFAULT_PLAN,
  backfillPlan,
  incrementalPlan,
  laterDate,
  pagesToResume,
  splitWindow,
  windowKey,
  type DateRangeType,
  type PlanOptions,
  type Window,
} from './plan.js';
import { snapshot, type ProgressSnapshot } from './progress.js';
import { STREAMS, streamSpec, type AnyStream, type StreamName } from './streams.js';
import { UsageError } from '../core/errors.js';
import { safeText } from '../core/mask.js';

/** What the engine needs from a CRM client (CrmClient, or a test double). */
export interface PageSource {
  fetchPage(endpoint: Endpoint, params: Record<string, string>, page: number, perPage?: number, signal?: AbortSignal): Promise<Page>;
  readonly retries: number;
}

export type SyncMode = { kind: 'backfill'; from: string; to: string } | { kind: 'incremental' };

export interface SyncOptions {
  store: SyncStore;
  source: PageSource;
  connectionId: string;
  /** The account's IANA zone (CRM wall times are in it). */
  timezone: string;
  /** The connection's base currency (amounts that name none); USD when not given. */
  baseCurrency?: string;
  mode: SyncMode;
  streams?: StreamName[];
  /** Pages fetched at once (the sync use case's default: SYNC_DEFAULTS in sync-connection.ts). */
  concurrency: number;
  plan?: Partial<PlanOptions>;
  /** Account-local today, "YYYY-MM-DD" (default: from this machine's clock). */
  today?: string;
  signal?: AbortSignal;
  onProgress?: (p: ProgressSnapshot) => void;
}

export interface SyncResult {
  runId: string;
  scope: string;
  records: number;
  pages: number;
  retries: number;
  elapsedMs: number;
  streams: Record<string, number>;
  /** Records of this run's pages set aside as unreadable (the rest of their pages stored). */
  quarantined: number;
  /** Records set aside by earlier runs that this run read again: stored now, or still unreadable. */
  retried: { stored: number; still: number };
  /** Optional streams the API user may not read (e.g. coupons without the Coupon permission): why each was left out. */
  skipped: Record<string, string>;
  /** How much of the connection's ledger is attributed after the run (products, purchases). */
  attribution: AttributionCoverage;
  /** Records fetched by id because the ledger refers to them (older parents and customers). */
  fetchedById: number;
}

/** An incremental sync of a connection whose history has not been imported (a stream has no checkpoint). */
export class NotBackfilledError extends UsageError {
  constructor(readonly stream: StreamName) {
    super(`no checkpoint for ${stream}: this connection has not been backfilled yet`, 'Run `konduit sync --connection NAME --from YYYY-MM-DD --to YYYY-MM-DD` first.');
  }
}

interface Task {
  spec: AnyStream;
  window: Window | null;
  /** What the window's dates select (null for unwindowed streams). */
  rangeType: DateRangeType | null;
  /** Filters beyond the window (the chargeback walk's isChargedback). */
  params?: Record<string, string>;
  page: number;
  /** For pages after the first: the window's total as its first page reported. */
  total?: number;
}

/**
 * Which task a free worker takes first: the ledger's before the other streams (the reports need it, and
 * its pages cost the store the most), and within the ledger the newest window first, so the latest days
 * are covered early in a long backfill (docs/sync.md, "Coverage"); otherwise in the order queued.
 */
export function before(a: { ledger: boolean; end: string | null; seq: number }, b: { ledger: boolean; end: string | null; seq: number }): boolean {
  if (a.ledger !== b.ledger) return a.ledger;
  if (a.ledger && a.end !== b.end && a.end !== null && b.end !== null) return a.end > b.end;
  return a.seq < b.seq;
}

/** Tasks by `before`: a binary heap. */
class TaskQueue {
  private readonly heap: { t: Task; ledger: boolean; end: string | null; seq: number }[] = [];
  private seq = 0;

  get length(): number {
    return this.heap.length;
  }

  push(t: Task): void {
    const h = this.heap;
    h.push({ t, ledger: !!t.spec.feedsLedger, end: t.window?.end ?? null, seq: this.seq++ });
    for (let i = h.length - 1; i > 0; ) {
      const up = (i - 1) >> 1;
      if (!before(h[i]!, h[up]!)) break;
      [h[i], h[up]] = [h[up]!, h[i]!];
      i = up;
    }
  }

  shift(): Task | undefined {
    const h = this.heap;
    const top = h[0];
    const last = h.pop();
    if (h.length > 0 && last) {
      h[0] = last;
      for (let i = 0; ; ) {
        const l = 2 * i + 1;
        const r = l + 1;
        let best = i;
        if (l < h.length && before(h[l]!, h[best]!)) best = l;
        if (r < h.length && before(h[r]!, h[best]!)) best = r;
        if (best === i) break;
        [h[i], h[best]] = [h[best]!, h[i]!];
        i = best;
      }
    }
    return top?.t;
  }
}

/** Runs tasks with `concurrency` workers; tasks may add tasks; the first error stops the pool. */
async function runPool(initial: Task[], concurrency: number, work: (t: Task, push: (t: Task) => void) => Promise<void>, signal?: AbortSignal): Promise<void> {
  const queue = new TaskQueue();
  for (const t of initial) queue.push(t);
  let active = 0;
  let failure: unknown = null;
  let waiters: (() => void)[] = [];
  const notify = () => {
    const w = waiters;
    waiters = [];
    for (const r of w) r();
  };
  const push = (t: Task) => {
    queue.push(t);
    notify();
  };
  const worker = async () => {
    for (;;) {
      if (failure !== null) return;
      if (signal?.aborted) {
        failure ??= signal.reason ?? new Error('aborted');
        return;
      }
      const t = queue.shift();
      if (!t) {
        if (active === 0) return notify();
        // Another worker's task may still add work: wait for it to push or finish.
        await new Promise<void>((r) => waiters.push(r));
        continue;
      }
      active++;
      try {
        await work(t, push);
      } catch (err) {
        failure ??= err;
      } finally {
        active--;
        notify();
      }
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, concurrency) }, worker));
  if (failure !== null) throw failure;
}

/**
 * Group commit: pages queue here while workers go on fetching, and a single writer commits whatever
 * has queued in one transaction (each page still commits together with its marker). Amortises the
 * per-transaction cost that otherwise caps a page-at-a-time writer (docs/sync.md).
 */
class BatchWriter {
  private queue: PageWrite[] = [];
  private running: Promise<void> | null = null;
  private error: unknown = null;

  constructor(
    private readonly store: SyncStore,
    private readonly onCommit: (batch: PageWrite[]) => void,
    private readonly options: WriteOptions,
    private readonly maxBatch = 32,
    private readonly maxQueued = 64,
  ) {}

  /** Queues a page; waits only when the queue is full (backpressure). */
  async add(w: PageWrite): Promise<void> {
    while (this.queue.length >= this.maxQueued && this.running) await this.running;
    if (this.error !== null) throw this.error;
    this.queue.push(w);
    this.running ??= this.loop();
  }

  private async loop(): Promise<void> {
    while (this.queue.length > 0 && this.error === null) {
      // A turn of the event loop first: the worker that queued this page has just sent its next
      // request, and staging a batch is synchronous work (the Appender) that would otherwise hold that
      // request back until it is done (measured: 5 to 8 ms later per request at concurrency 1).
      await setImmediate();
      const batch = this.queue.splice(0, this.maxBatch);
      try {
        // Facts (and, in a backfill, the aggregates) are brought current once at the end of the run
        // (completeRun), not per batch.
        await this.store.writePages(batch, this.options);
        this.onCommit(batch);
      } catch (err) {
        this.error = err;
        this.queue = [];
      }
    }
    this.running = null;
  }

  /** Waits until everything queued is committed; throws the first write error. */
  async flush(): Promise<void> {
    while (this.running) await this.running;
    if (this.error !== null) throw this.error;
  }
}

/** Runs one sync (backfill or incremental) for one connection. */
export async function runSync(o: SyncOptions): Promise<SyncResult> {
  const planOpts: PlanOptions = { ...DEFAULT_PLAN, ...o.plan };
  const perPage = planOpts.perPage;
  const today = o.today ?? localDate(Date.now(), o.timezone);
  const specs = STREAMS.filter((s) => !o.streams || o.streams.includes(s.name));
  const started = performance.now();
  const retriesAtStart = o.source.retries;

  // The windowed streams' checkpoints as the run starts (the sync lock keeps them so until it ends): an
  // incremental plan starts from them; a backfill's needs them only at its end.
  const checkpoints = new Map<StreamName, string | null>();
  const readCheckpoints = async () => {
    for (const s of specs.filter((x) => x.windowed)) checkpoints.set(s.name, await o.store.getCheckpoint(o.connectionId, s.name));
  };
  if (o.mode.kind === 'incremental') await readCheckpoints();

  // Plan per stream: backfill by dateCreated over the range; incremental by dateUpdated from the checkpoint.
  const windows = new Map<StreamName, { window: Window; rangeType: DateRangeType } | null>();
  let scope: string;
  if (o.mode.kind === 'backfill') {
    const p = backfillPlan(o.mode.from, o.mode.to);
    scope = p.scope;
    for (const s of specs) windows.set(s.name, s.windowed ? { window: p.window, rangeType: p.rangeType } : null);
  } else {
    const cps = new Map<StreamName, string>();
    for (const [stream, cp] of checkpoints) {
      if (cp === null) {
        throw new NotBackfilledError(stream);
      }
      cps.set(stream, cp);
    }
    // One scope for the run: the earliest checkpoint names it, so a re-run after a crash finds its markers.
    const earliest = [...cps.values()].sort()[0] ?? today;
    scope = incrementalPlan(earliest, today).scope;
    for (const s of specs) {
      const cp = cps.get(s.name);
      if (!s.windowed || cp === undefined) windows.set(s.name, null);
      else {
        const p = incrementalPlan(cp, today);
        windows.set(s.name, { window: p.window, rangeType: p.rangeType });
      }
    }
  }

  // Markers of an interrupted run with the same scope (what can be skipped), a backfill's checkpoints and
  // the run's record: read and written while the first requests are out, since the first pages to
  // plan or write wait for them anyway (a dozen milliseconds off every run).
  const markers = new Map<string, { total: number; pages: Set<number> }>();
  const maxUpdated = new Map<string, string | null>();
  const runId = randomUUID();
  const runScope = scope;
  const prep = (async () => {
    if (o.mode.kind === 'backfill') await readCheckpoints();
    for (const m of await o.store.pageMarkers(o.connectionId, runScope)) {
      const k = `${m.stream}|${m.windowKey}`;
      const e = markers.get(k) ?? { total: m.totalResults, pages: new Set<number>() };
      e.pages.add(m.page);
      markers.set(k, e);
      maxUpdated.set(m.stream, maxWall(maxUpdated.get(m.stream) ?? null, m.maxUpdated));
    }
    await o.store.startRun({ runId, connectionId: o.connectionId, mode: o.mode.kind, scope: runScope, startedAt: Date.now() });
    await retryQuarantined();
  })();
  // Awaited by every page and before the run ends; this handler only keeps an early failure from being
  // reported as unhandled before the first page awaits it.
  prep.catch(() => undefined);

  const counters = { records: 0, pages: 0, pagesPlanned: 0, streams: {} as Record<string, number> };
  const account = { zone: o.timezone, baseCurrency: o.baseCurrency ?? 'USD' };
  let quarantined = 0;
  let fetchedById = 0;
  const retried = { stored: 0, still: 0 };
  const skipped: Record<string, string> = {};

  // Records earlier runs set aside are read again first, with this version's readers: those it can read
  // are stored (and leave quarantine), the others stay with one more attempt counted.
  async function retryQuarantined(): Promise<void> {
    const held = await o.store.quarantined(o.connectionId);
    if (held.length === 0) return;
    const byStream = new Map<string, unknown[]>();
    for (const q of held) {
      if (!specs.some((x) => x.name === q.stream)) continue;
      const list = byStream.get(q.stream) ?? [];
      list.push(JSON.parse(q.raw) as unknown);
      byStream.set(q.stream, list);
    }
    const writes: PageWrite[] = [];
    for (const [stream, records] of byStream) {
      const { write } = streamSpec(stream as StreamName).toPage(records, account, o.connectionId);
      retried.stored += write.rows.length;
      retried.still += write.quarantined?.length ?? 0;
      writes.push(write);
    }
    await o.store.writePages(writes, writeOptions(o.mode));
  }
  const emit = (done = false) =>
    o.onProgress?.(snapshot({ ...counters, retries: o.source.retries - retriesAtStart, elapsedMs: performance.now() - started, done }));

  // The ledger comes from one stream (feedsLedger). Once every page of it is committed, the customer
  // facts and pre-aggregates it feeds are brought current while the other streams are still fetched, so
  // the end of the run (completeRun) has little left to do. Counted: its tasks queued or running, and
  // its pages queued for the writer.
  let ledgerOpen = 0;
  let early: Promise<number> | null = null;
  let coverageWrites: Promise<void> = Promise.resolve();
  const ledgerClosed = () => {
    if (ledgerOpen > 0 || early !== null) return;
    // After the coverage the ledger's windows have reached: whether a customer was acquired before it
    // decides their facts.
    early = coverageWrites.then(() => o.store.refreshDirtyFacts(o.connectionId, { records: counters.records }));
    // Awaited before the run ends; this only keeps a failure from being reported as unhandled first.
    early.catch(() => undefined);
  };

  // A backfill walks its newest days first, and its coverage widens backwards as the ledger's windows
  // are committed, so the latest days are reportable long before the backfill ends. Two walks feed the
  // ledger (the sales by dateCreated, the chargebacks by dateUpdated): a day is covered once both have
  // committed it, so a report of the covered days has their chargebacks of older sales too.
  const walks =
    o.mode.kind === 'backfill'
      ? new BackfillWalks(o.mode.to, perPage, (from) => {
          const to = o.mode.kind === 'backfill' ? o.mode.to : today;
          coverageWrites = coverageWrites.then(() => o.store.extendCoverage(o.connectionId, { from, to, asOf: null }));
          coverageWrites.catch(() => undefined);
        })
      : null;
  const frontier = walks?.created ?? null;
  const chargebackFrontier = walks?.chargebacks ?? null;

  const writer = new BatchWriter(o.store, (batch) => {
    let ledgerPages = 0;
    for (const w of batch) {
      if (w.ledger) ledgerPages++;
      const m = w.marker;
      if (!m) continue;
      if (frontier && w.ledger) frontier.committed(m.windowKey, m.page);
      if (chargebackFrontier && w.ledger) chargebackFrontier.committed(m.windowKey, m.page);
      maxUpdated.set(m.stream, maxWall(maxUpdated.get(m.stream) ?? null, m.maxUpdated));
      counters.records += m.records;
      counters.pages += 1;
      counters.streams[m.stream] = (counters.streams[m.stream] ?? 0) + m.records;
    }
    emit();
    if (ledgerPages > 0) {
      ledgerOpen -= ledgerPages;
      ledgerClosed();
    }
  }, writeOptions(o.mode));

  const keyOf = (t: Task) => (t.window && t.rangeType ? `${windowKey(t.rangeType, t.window)}${t.params ? `?${new URLSearchParams(t.params)}` : ''}` : 'all');
  const paramsOf = (t: Task): Record<string, string> => {
    if (!t.window || !t.rangeType) return {};
    return { startDate: crmDate(t.window.start), endDate: crmDate(t.window.end), dateRangeType: t.rangeType, ...t.params };
  };

  const work = async (t: Task, pushTask: (t: Task) => void) => {
    const push = (n: Task) => {
      if (n.spec.feedsLedger) ledgerOpen++;
      pushTask(n);
    };
    await fetchAndWrite(t, push);
    if (t.spec.feedsLedger) {
      ledgerOpen--;
      ledgerClosed();
    }
  };

  const fetchAndWrite = async (t: Task, push: (t: Task) => void) => {
    let page: Page;
    try {
      page = await o.source.fetchPage(t.spec.endpoint, paramsOf(t), t.page, perPage, o.signal);
    } catch (err) {
      // An optional stream the API user may not read is left out of the run, with the reason.
      if (t.spec.optional && err instanceof CrmError && (err.kind === 'endpoint-permission' || err.kind === 'endpoint-unknown')) {
        skipped[t.spec.name] = `${err.message}${err.hint ? ` (${err.hint})` : ''}`;
        return;
      }
      throw err;
    }
    await prep;
    const wk = keyOf(t);
    if (t.page === 1) {
      if (t.window) {
        const parts = splitWindow(t.window, page.totalResults, planOpts);
        if (parts) {
          for (const w of parts) push({ ...t, window: w, page: 1 });
          return;
        }
      }
      const prior = markers.get(`${t.spec.name}|${wk}`);
      if (t.window && frontier && t.spec.feedsLedger && t.rangeType === 'dateCreated' && !t.params) frontier.leaf(wk, t.window, page.totalResults, prior?.pages);
      if (t.window && chargebackFrontier && t.spec.feedsLedger && t.rangeType === 'dateUpdated' && t.params?.isChargedback) chargebackFrontier.leaf(wk, t.window, page.totalResults, prior?.pages);
      const rest = t.window
        ? pagesToResume(page.totalResults, perPage, prior?.pages ?? new Set(), prior?.total)
        : // Unwindowed streams (campaigns, products) walk on until a short page; no total-based resume.
          page.records.length >= perPage && page.page * perPage < page.totalResults
          ? [2]
          : [];
      counters.pagesPlanned += 1 + (t.window ? rest.length : 0);
      for (const p of rest) push({ ...t, page: p, total: page.totalResults });
    } else if (!t.window) {
      counters.pagesPlanned += 1;
      if (page.records.length >= perPage && page.page * perPage < page.totalResults) push({ ...t, page: t.page + 1 });
    }
    const { write, maxUpdated } = t.spec.toPage(page.records, account, o.connectionId);
    quarantined += write.quarantined?.length ?? 0;
    const marker: PageMarker = {
      stream: t.spec.name,
      scope,
      windowKey: wk,
      page: t.page,
      totalResults: t.page === 1 ? page.totalResults : (t.total ?? page.totalResults),
      records: write.rows.length,
      maxUpdated,
    };
    if (write.ledger) ledgerOpen++;
    await writer.add({ ...write, marker });
  };

  /**
   * Records the ledger refers to that the run did not bring: the parents of refunds, voids and captures
   * made before the range, and customers with sales in it whose own records are older. Fetched by id (at
   * most MISSING_PER_RUN of each per run; the rest next run), their customers' facts redone at the end.
   */
  const fetchMissing = async () => {
    const missing = await o.store.missingRecords(o.connectionId, MISSING_PER_RUN);
    const txnSpec = specs.find((x) => x.feedsLedger);
    const custSpec = specs.find((x) => x.name === 'customers');
    const jobs: { spec: AnyStream; params: Record<string, string> }[] = [
      ...(txnSpec ? missing.transactions.map((id) => ({ spec: txnSpec, params: { transactionId: String(id) } })) : []),
      ...(custSpec ? missing.customers.map((id) => ({ spec: custSpec, params: { customerId: String(id) } })) : []),
    ];
    let next = 0;
    const one = async () => {
      while (next < jobs.length) {
        const job = jobs[next++] as (typeof jobs)[number];
        const page = await o.source.fetchPage(job.spec.endpoint, job.params, 1, perPage, o.signal);
        const { write } = job.spec.toPage(page.records, account, o.connectionId);
        const customers = job.spec.name === 'customers' ? write.rows.map((r) => Number((r as { customer_id: number }).customer_id)) : [];
        fetchedById += write.rows.length;
        await writer.add({ ...write, touchCustomers: customers });
      }
    };
    await Promise.all(Array.from({ length: Math.max(1, o.concurrency) }, one));
    await writer.flush();
  };

  // The ledger's stream starts first: its pages cost the store the most (more columns, ledger events), and
  // a run whose last pages are lighter ones ends sooner after its last answer (docs/sync.md).
  const ledgerFirst = [...specs.filter((s) => s.feedsLedger), ...specs.filter((s) => !s.feedsLedger)];
  const roots: Task[] = ledgerFirst.map((spec) => ({ spec, window: windows.get(spec.name)?.window ?? null, rangeType: windows.get(spec.name)?.rangeType ?? null, page: 1 }));
  // A backfill also walks the transactions charged back during its range by dateUpdated: a chargeback is a
  // flag set on the sale, which may have been made before the range (docs/sync.md, "Coverage").
  if (o.mode.kind === 'backfill') {
    const ledgerSpec = specs.find((x) => x.feedsLedger);
    const w = ledgerSpec ? windows.get(ledgerSpec.name) : null;
    if (ledgerSpec && w) roots.splice(1, 0, { spec: ledgerSpec, window: w.window, rangeType: 'dateUpdated', params: { isChargedback: '1' }, page: 1 });
  }
  ledgerOpen = roots.filter((t) => t.spec.feedsLedger).length;
  let retries = 0;
  try {
    let fetched = false;
    try {
      await runPool(roots, o.concurrency, work, o.signal);
      fetched = true;
    } finally {
      // Pages already fetched are committed even when the run stops: less to fetch on resume.
      await writer.flush();
      // Facts of customers touched by a stopped run become current (completeRun does it otherwise).
      if (!fetched) await o.store.refreshDirtyFacts(o.connectionId);
    }
    // Every page has waited for prep; the early refresh (if the ledger's stream ran) has its failure to report.
    await prep;
    if (early) await early;
    await coverageWrites;
    await fetchMissing();
    // Only a complete run moves the checkpoints: an interrupted one leaves them for its resumption.
    const moved: Record<string, string> = {};
    for (const [stream, cp] of checkpoints) {
      const seen = maxUpdated.get(stream)?.slice(0, 10) ?? null;
      const next = o.mode.kind === 'backfill' ? (cp ?? o.mode.to) : laterDate(cp, seen);
      if (next && next !== cp) moved[stream] = next;
    }
    retries = o.source.retries - retriesAtStart;
    // Facts (and deferred aggregates) of customers touched by this run, or by a crashed earlier one, the
    // checkpoints, the markers and the run's record: one transaction.
    await o.store.completeRun({
      runId,
      connectionId: o.connectionId,
      scope,
      checkpoints: moved,
      coverage: coverageOf(o.mode, today, maxUpdated, o.timezone),
      result: { status: 'ok', finishedAt: Date.now(), records: counters.records, pages: counters.pages, retries },
    });
  } catch (err) {
    // The run's record is written (prep) before it is finished, whatever failed first.
    await prep.catch(() => undefined);
    await o.store
      .finishRun(runId, {
        status: o.signal?.aborted ? 'cancelled' : 'failed',
        finishedAt: Date.now(),
        records: counters.records,
        pages: counters.pages,
        retries: o.source.retries - retriesAtStart,
        // Stored and shown on the dashboard and the CLI: passwords redacted, card-like digit runs masked,
        // control characters escaped, as everywhere else (core/mask.ts). A run its user stopped has no error.
        error: o.signal?.aborted ? undefined : safeText(err instanceof Error ? err.message : String(err)),
      })
      .catch(() => undefined);
    throw err;
  }
  emit(true);
  const attribution = await o.store.attributionCoverage(o.connectionId);
  return { runId, scope, records: counters.records, pages: counters.pages, retries, elapsedMs: performance.now() - started, streams: counters.streams, quarantined, retried, skipped, attribution, fetchedById };
}

/**
 * A run's writes defer the customer facts to its end. A backfill writes the ledger alone and rebuilds
 * the facts and the report pre-aggregates at its end: it writes much of the connection's ledger, and one
 * grouped pass costs less than keeping them batch by batch. An incremental run changes a little of a
 * large ledger: deltas, batch by batch (docs/sync.md).
 */
export function writeOptions(mode: SyncMode): WriteOptions {
  return mode.kind === 'backfill' ? { deferRebuild: true } : { deferFacts: true };
}

function maxWall(a: string | null, b: string | null): string | null {
  if (!b) return a;
  if (!a) return b;
  return b > a ? b : a;
}

/** Parents and customers fetched by id per run, at most, of each (the rest the next run). */
export const MISSING_PER_RUN = 2000;

/**
 * What a complete run says its data covers: a backfill its range, an incremental run up to today; and the
 * as-of, the CRM's "now" as the latest change the run saw shows it (a backfill's capped at its last day).
 */
function coverageOf(mode: SyncMode, today: string, maxUpdated: Map<string, string | null>, zone: string): CoverageChange {
  let seen: number | null = null;
  for (const w of maxUpdated.values()) {
    const at = w ? crmWallToInstant(w, zone) : null;
    if (at !== null && (seen === null || at > seen)) seen = at;
  }
  if (mode.kind === 'incremental') return { from: null, to: today, asOf: seen };
  const end = startOfLocalDay(addDays(mode.to, 1), zone);
  return { from: mode.from, to: mode.to, asOf: seen === null ? null : Math.min(seen, end) };
}

/**
 * The backfill's frontier: the earliest day from which every window of the ledger's dateCreated walk, up
 * to the backfill's last day, is committed. Windows are told as their first page reveals their size
 * (`leaf`) and their pages as they commit (`committed`); `moved` hears each new frontier.
 */
/**
 * The two walks of a backfill that feed the ledger, the sales by dateCreated and the chargebacks by
 * dateUpdated, each with its frontier: a day is covered once both have committed it (the later of the
 * two frontiers), so a report of the covered days has their chargebacks of older sales too.
 */
export class BackfillWalks {
  readonly created: Frontier;
  readonly chargebacks: Frontier;
  private readonly at = { created: '', chargebacks: '' };

  constructor(to: string, perPage: number, moved: (from: string) => void) {
    const walk = (k: 'created' | 'chargebacks') =>
      new Frontier(to, perPage, (from) => {
        this.at[k] = from;
        if (!this.at.created || !this.at.chargebacks) return;
        moved(this.at.created > this.at.chargebacks ? this.at.created : this.at.chargebacks);
      });
    this.created = walk('created');
    this.chargebacks = walk('chargebacks');
  }
}

export class Frontier {
  private readonly windows = new Map<string, { window: Window; pages: number; done: Set<number> }>();
  private readonly spans: Window[] = [];
  private from: string;

  constructor(
    private readonly to: string,
    private readonly perPage: number,
    private readonly moved: (from: string) => void,
  ) {
    this.from = addDays(to, 1);
  }

  /** A window fetched whole (not split), with its total and the pages an earlier run committed. */
  leaf(key: string, window: Window, totalResults: number, prior?: ReadonlySet<number>): void {
    const w = { window, pages: Math.max(1, Math.ceil(totalResults / this.perPage)), done: new Set(prior ?? []) };
    this.windows.set(key, w);
    this.check(key);
  }

  /** A page of the window committed. */
  committed(key: string, page: number): void {
    this.windows.get(key)?.done.add(page);
    this.check(key);
  }

  private check(key: string): void {
    const w = this.windows.get(key);
    if (!w || w.done.size < w.pages) return;
    this.windows.delete(key);
    this.spans.push(w.window);
    let from = this.from;
    for (let moved = true; moved; ) {
      moved = false;
      for (const s of this.spans) {
        if (s.start < from && s.end >= addDays(from, -1)) {
          from = s.start;
          moved = true;
        }
      }
    }
    if (from < this.from) {
      this.from = from;
      this.moved(from);
    }
  }
}
