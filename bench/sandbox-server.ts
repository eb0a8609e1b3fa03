/**
 * Child process of bench/sandbox.ts: generates and serves the merchant, so the measured server does not
 * share its event loop with the client. Prints one JSON line when listening, and another (its peak RSS)
 * when its stdin closes.
 */
import { startSandbox } from '../src/sandbox/index.js';

const customers = Number(process.argv[2] ?? 330_000);
const rss0 = process.memoryUsage().rss;
const t0 = performance.now();
// The default profile (real) unless KONDUIT_BENCH_PROFILE says rich.
const profile = process.env.KONDUIT_BENCH_PROFILE === 'rich' ? 'rich' : 'real';
const sb = await startSandbox({ seed: 'bench', customers, start: '2024-11-22', now: '2026-11-21 12:00:00', port: 0, profile });
const genMs = performance.now() - t0;
const m = sb.merchant;
const mem = process.memoryUsage();
process.stdout.write(
  `${JSON.stringify({ profile, baseUrl: sb.baseUrl, loginId: sb.loginId, password: sb.password, genMs, rss: mem.rss, rss0, heapUsed: mem.heapUsed, txns: m.txns.length, orders: m.orders.length, customers: m.customers.length, purchases: m.purchases.length })}\n`,
);
process.stdin.resume();
process.stdin.on('end', async () => {
  process.stdout.write(`${JSON.stringify({ maxRss: process.resourceUsage().maxRSS * 1024 })}\n`);
  await sb.close();
  process.exit(0);
});
