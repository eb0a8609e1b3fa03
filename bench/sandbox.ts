/**
 * Sandbox at scale: a child process generates a merchant with ~1,000,000 transactions and serves it
 * (bench/sandbox-server.ts); this process walks every day of transactions over 127.0.0.1, page by page
 * (resultsPerPage=200), and reports generation time, the server's memory and pages per second.
 * `npm run bench -- sandbox` (KONDUIT_BENCH_CUSTOMERS to change the size, ~3 transactions per customer;
 * KONDUIT_BENCH_PROFILE=rich for the rich profile, real by default).
 */
import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';

const mb = (b: number) => `${Math.round(b / 1e6)} MB`;

interface Ready {
  profile: string;
  baseUrl: string;
  loginId: string;
  password: string;
  genMs: number;
  rss: number;
  rss0: number;
  heapUsed: number;
  txns: number;
  orders: number;
  customers: number;
  purchases: number;
}

export default async function bench(): Promise<void> {
  const customers = process.env.KONDUIT_BENCH_CUSTOMERS ?? '330000';
  const server = spawn(process.execPath, ['--import', 'tsx', fileURLToPath(new URL('./sandbox-server.ts', import.meta.url)), customers], {
    stdio: ['pipe', 'pipe', 'inherit'],
  });
  const lines = createInterface({ input: server.stdout })[Symbol.asyncIterator]();
  const ready = JSON.parse(String((await lines.next()).value)) as Ready;
  console.log(`generated (profile ${ready.profile}) ${ready.txns.toLocaleString()} transactions, ${ready.orders.toLocaleString()} orders, ${ready.customers.toLocaleString()} customers, ${ready.purchases.toLocaleString()} purchases in ${(ready.genMs / 1000).toFixed(1)} s`);
  console.log(`server after generation: RSS ${mb(ready.rss)} (${mb(ready.rss - ready.rss0)} for the merchant), heap used ${mb(ready.heapUsed)}`);

  const days: string[] = [];
  for (let d = new Date('2024-11-22T12:00:00Z'); d <= new Date('2026-11-21T12:00:00Z'); d = new Date(d.getTime() + 86_400_000)) {
    days.push(`${d.getUTCMonth() + 1}/${d.getUTCDate()}/${d.getUTCFullYear()}`);
  }
  let pages = 0;
  let rows = 0;
  let bytes = 0;
  const fetchPage = async (day: string, page: number) => {
    const body = new URLSearchParams({ loginId: ready.loginId, password: ready.password, startDate: day, endDate: day, resultsPerPage: '200', page: String(page) });
    const res = await fetch(`${ready.baseUrl}/transactions/query/`, { method: 'POST', body });
    const text = await res.text();
    bytes += text.length;
    const json = JSON.parse(text) as { result: string; message: { totalResults: number; data: unknown[] } };
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
  console.log(`served ${pages.toLocaleString()} pages (${rows.toLocaleString()} transactions, ${mb(bytes)} of JSON; day windows, 200 per page, ${concurrency} concurrent) in ${serveS.toFixed(1)} s: ${Math.round(pages / serveS)} pages/s, ${Math.round(rows / serveS).toLocaleString()} rows/s`);
  server.stdin.end();
  const done = JSON.parse(String((await lines.next()).value)) as { maxRss: number };
  console.log(`rows served ${rows === ready.txns ? 'equal' : `DIFFER FROM (${ready.txns})`} the merchant's transactions; server peak RSS ${mb(done.maxRss)}`);
}
