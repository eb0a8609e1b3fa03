import { describe, expect, it } from 'vitest';
import { bookedEvents, voidLookups } from './voids.js';

const t = (transaction_id: number, txn_type: string, parent_txn_id: number | null = null) => ({ transaction_id, txn_type, parent_txn_id });
const e = (kind: 'sale' | 'void', transaction_id: number) => ({ kind, transaction_id });

describe('a VOID of an AUTHORIZE books nothing', () => {
  it('asks the store only about parents not on the page, and names the page authorizations', () => {
    const page = [t(1, 'AUTHORIZE'), t(2, 'VOID', 1), t(3, 'VOID', 99), t(4, 'SALE'), t(5, 'VOID', 4)];
    expect(voidLookups(page)).toEqual({ parentsToCheck: [99, 4], authorizations: [1] });
    expect(voidLookups([t(4, 'SALE')])).toEqual({ parentsToCheck: [], authorizations: [] });
  });

  it('drops the events of voids whose parent is an authorization, on the page or stored', () => {
    const page = [t(1, 'AUTHORIZE'), t(2, 'VOID', 1), t(3, 'VOID', 99), t(4, 'SALE'), t(5, 'VOID', 4)];
    const events = [e('void', 2), e('void', 3), e('sale', 4), e('void', 5)];
    expect(bookedEvents(page, events, [])).toEqual([e('void', 3), e('sale', 4), e('void', 5)]);
    expect(bookedEvents(page, events, [99])).toEqual([e('sale', 4), e('void', 5)]);
  });
});
