import { describe, expect, it } from 'vitest';
import { addEvent, coefficients, derived, emptyTotals, EVENT_MEASURES, kindSql, MEASURES, measureSql, netOf, TOTAL_COLUMNS, TOTALS } from './measures.js';
import type { MoneyEvent } from './events.js';

const ev = (kind: MoneyEvent['kind'], amount_cents: number, is_initial = true) => ({ kind, amount_cents, is_initial });

describe('the measure table', () => {
  it('says once what refunds are: refunds, voids and chargebacks, as a positive amount', () => {
    expect(MEASURES.refunds).toMatchObject({ kinds: ['refund', 'void', 'chargeback', 'chargeback_reversal'], sign: -1 });
    // A reversal's amount is positive: it takes back from the refunds of its own period.
    expect(measureSql('refunds', 'e')).toBe("SUM(CASE WHEN e.kind IN ('refund', 'void', 'chargeback', 'chargeback_reversal') THEN -e.amount_cents ELSE 0 END)");
    expect(measureSql('gross')).toBe("SUM(CASE WHEN kind = 'sale' THEN amount_cents ELSE 0 END)");
  });

  it('derives net as gross minus refunds: every money event at its signed amount, a decline at nothing', () => {
    expect([...coefficients('net')].sort()).toEqual([['chargeback', 1], ['chargeback_reversal', 1], ['refund', 1], ['sale', 1], ['void', 1]]);
    expect(measureSql('net')).toBe("SUM(CASE WHEN kind IN ('sale', 'refund', 'void', 'chargeback', 'chargeback_reversal') THEN amount_cents ELSE 0 END)");
    expect([netOf(ev('sale', 500)), netOf(ev('refund', -200)), netOf(ev('chargeback', -100)), netOf(ev('decline', 900))]).toEqual([500, -200, -100, 0]);
    expect(derived('net', { gross: 500, refunds: 300, chargebacks: 100 })).toBe(200);
  });

  it('counts approvals and declines by cycle', () => {
    expect(measureSql('rebillDeclined', 'e')).toBe("COUNT(CASE WHEN e.kind = 'decline' AND NOT e.is_initial THEN 1 END)");
    const t = emptyTotals();
    for (const e of [ev('sale', 1000), ev('sale', 2000, false), ev('decline', 2000, false), ev('refund', -500, false), ev('void', -250), ev('chargeback', -1000)]) addEvent(t, e, 1);
    expect(t).toEqual({
      gross: 3000, refunds: 1750, chargebacks: 1000, sales: 2, chargebackCount: 1,
      initialApproved: 1, initialDeclined: 0, rebillApproved: 1, rebillDeclined: 1, orders: 0, newCustomers: 0, earlierCustomers: 0,
    });
    addEvent(t, ev('sale', 2000, false), -1);
    expect([t.gross, t.sales, t.rebillApproved]).toEqual([1000, 1, 0]);
  });

  it('gives every total a pre-aggregate column, and only the derived measure none', () => {
    expect(TOTALS).toEqual([...EVENT_MEASURES.map(([n]) => n), 'orders', 'newCustomers', 'earlierCustomers']);
    expect(new Set(Object.values(TOTAL_COLUMNS)).size).toBe(TOTALS.length);
    expect(TOTALS).not.toContain('net');
    expect(kindSql(['sale'], 'x')).toBe("x.kind = 'sale'");
  });
});
