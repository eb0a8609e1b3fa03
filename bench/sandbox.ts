/**
 * Sandbox at scale: generate a merchant with ~1,000,000 transactions, report generation time and peak
 * RSS, then serve it over 127.0.0.1 and walk every day of transactions page by page (resultsPerPage=200),
 * reporting pages per second. `npm run bench -- sandbox` (KONDUIT_BENCH_CUSTOMERS to change the size).
 */
import { startSandbox } from '../src/sandbox/index.js';

const mb = (b: number) => `${Math.round(b / 1e6)} MB`;

export default async function bench(): Promise<void> {
  const customers = Number(process.env.KONDUIT_BENCH_CUSTOMERS ?? 330_000);
  const opts = { seed: 'bench', customers, start: '2024-11-22', now: '2026-11-21 12:00:00' };
  const rss0 = process.memoryUsage().rss;
  const t0 = performance.now();
  // startSandbox generates the merchant and then listens: generation is nearly all of its time.
  const sb = await startSandbox({ ...opts, port: 0 });
  const genMs = performance.now() - t0;
  const m = sb.merchant;
  console.log(`generated ${m.txns.length.toLocaleString()} transactions, ${m.orders.length.toLocaleString()} orders, ${m.customers.length.toLocaleString()} customers, ${m.purchases.length.toLocaleString()} purchases in ${(genMs / 1000).toFixed(1)} s`);
  globalThis.gc?.();
  const mem = process.memoryUsage();
  console.log(`after generation: RSS ${mb(mem.rss)} (${mb(mem.rss - rss0)} for the merchant), heap used ${mb(mem.heapUsed)}`);
  const days: string[] = [];
  for (let d = new Date('2024-11-22T12:00:00Z'); d <= new Date('2026-11-21T12:00:00Z'); d = new Date(d.getTime() + 86_400_000)) {
    days.push(`${d.getUTCMonth() + 1}/${d.getUTCDate()}/${d.getUTCFullYear()}`);
  }
  let pages = 0;
  let rows = 0;
  const fetchPage = async (day: string, page: number) => {
    const body = new URLSearchParams({ loginId: sb.loginId, password: sb.password, startDate: day, endDate: day, resultsPerPage: '200', page: String(page) });
    const res = await fetch(`${sb.baseUrl}/transactions/query/`, { method: 'POST', body });
    const json = (await res.json()) as { result: string; message: { totalResults: number; data: unknown[] } };
    pages++;
    if (json.result !== 'SUCCESS') return 0;
    rows += json.message.data.length;
    return json.message.totalResults;
  };
  const t1 = performance.now();
  const concurrency = 4;
  let next = 0;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < days.length) {
        const day = days[next++] as string;
        const total = await fetchPage(day, 1);
        for (let p = 2; (p - 1) * 200 < total; p++) await fetchPage(day, p);
      }
    }),
  );
  const serveS = (performance.now() - t1) / 1000;
  console.log(`served ${pages.toLocaleString()} pages (${rows.toLocaleString()} transactions, day windows, 200 per page, ${concurrency} concurrent) in ${serveS.toFixed(1)} s: ${Math.round(pages / serveS)} pages/s, ${Math.round(rows / serveS).toLocaleString()} rows/s`);
  console.log(`rows served ${rows === m.txns.length ? 'equal' : `DIFFER FROM (${m.txns.length})`} the merchant's transactions; peak RSS ${mb(process.resourceUsage().maxRSS * 1024)}`);
  await sb.close();
}
