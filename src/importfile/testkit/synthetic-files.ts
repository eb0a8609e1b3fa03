/**
 * Deterministic generator of VALID import files with a realistic mix: card (some tokenized with masked
 * numbers), check and prepaid payments; sales, auth+capture pairs, refunds, chargebacks; active
 * subscriptions; separate shipping addresses; US, CA and other countries; cells with commas and quotes.
 * Shared by the tests (10,000 rows) and the benchmark (1,000,000 rows); a test kit, never shipped. Not to be
 * confused with transform/take-sample.ts, which takes a sample of the merchant's own files.
 */
import { transactionColumns, noteColumns, detailColumns, TX, type TxColumn } from '../spec/columns.js';
import { mulberry32 } from '../../core/prng.js';

/** Options of the generator. */
export interface SyntheticOptions {
  /** Number of transaction rows (exact). */
  rows: number;
  /** PRNG seed. */
  seed?: number;
  /** Today (YYYY-MM-DD): transactions are before it, active subscriptions bill after it. */
  today: string;
  /** Rows per yielded chunk. */
  chunkRows?: number;
}

const FIRST = ['James', 'Mary', 'John', 'Patricia', 'Robert', 'Jennifer', 'Michael', 'Linda', 'William', 'Élodie', 'José', 'Zoë', "D'Arcy", 'Ana María'];
const LAST = ['Smith', 'Johnson', 'Williams', 'Brown', 'Jones', 'Garcia', 'Miller', 'Davis', "O'Neil", 'Müller', 'Tremblay', 'Nguyen'];
const STREETS = ['Main St', 'Oak Ave', 'Maple Dr', 'Cedar Ln', 'Elm St', 'Pine Rd', 'Rue Sainte-Catherine', 'High Street'];
const US_STATES = ['NY', 'CA', 'TX', 'FL', 'IL', 'PA', 'OH', 'GA', 'NC', 'MI', 'DC', 'PR', 'AE'];
const CA_PROVINCES = ['ON', 'QC', 'BC', 'AB', 'MB', 'NS', 'NL', 'YT'];
const OTHER = ['GB', 'DE', 'FR', 'AU', 'MX', 'JP', 'NL', 'BR', 'IE', 'NZ'];
// Real ABA routing numbers (they pass the checksum).
const ROUTING = ['021000021', '011000015', '026009593', '121000358', '122105155', '111000025', '031176110'];
const CARRIERS = ['USPS', 'FedEx', 'UPS', 'DHL'];
const ADDRESS2 = ['', '', '', 'Apt 4, "B"', 'Suite 200', 'Unit 7'];

const DAY_MS = 86_400_000;
const pad = (n: number, w = 2) => String(n).padStart(w, '0');
const dateOf = (ms: number) => {
  const d = new Date(ms);
  return `${d.getUTCFullYear()}-${pad(d.getUTCMonth() + 1)}-${pad(d.getUTCDate())}`;
};
const datetimeOf = (ms: number) => {
  const d = new Date(ms);
  return `${dateOf(ms)} ${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}:${pad(d.getUTCSeconds())}`;
};
const money = (cents: number) => `${Math.floor(cents / 100)}.${pad(cents % 100)}`;
const quote = (v: string) => (v.includes('"') ? `"${v.replace(/"/g, '""')}"` : `"${v}"`);

/** Appends a Luhn check digit to a string of digits. */
export function withLuhnDigit(body: string): string {
  let sum = 0;
  for (let i = 0; i < body.length; i++) {
    let d = body.charCodeAt(body.length - 1 - i) - 48;
    if (i % 2 === 0) {
      d *= 2;
      if (d > 9) d -= 9;
    }
    sum += d;
  }
  return body + String((10 - (sum % 10)) % 10);
}

type Cells = Record<string, string>;

/** Generates a valid transactions file; `customers` holds the number of customers (C1..Cn) once done. */
export class SyntheticTransactions {
  customers = 0;
  private readonly rnd: () => number;
  private readonly todayMs: number;
  private txnSeq = 0;
  private orderSeq = 0;

  constructor(private readonly o: SyntheticOptions) {
    this.rnd = mulberry32(o.seed ?? 42);
    this.todayMs = Date.parse(`${o.today}T00:00:00Z`);
  }

  /** The header line. */
  header(): string {
    return `${transactionColumns.map((c) => quote(c.name)).join(',')}\r\n`;
  }

  /** The whole file as chunks of lines (the header first). */
  *chunks(): Generator<string> {
    yield this.header();
    const per = this.o.chunkRows ?? 2000;
    let lines: string[] = [];
    let made = 0;
    while (made < this.o.rows) {
      for (const row of this.order(this.o.rows - made)) {
        lines.push(row.map(quote).join(','));
        made++;
      }
      if (lines.length >= per || made >= this.o.rows) {
        yield `${lines.join('\r\n')}\r\n`;
        lines = [];
      }
    }
  }

  private pick<T>(xs: readonly T[]): T {
    return xs[Math.floor(this.rnd() * xs.length)]!;
  }

  private digits(n: number): string {
    let s = '';
    for (let i = 0; i < n; i++) s += String(Math.floor(this.rnd() * 10));
    return s;
  }

  /** One order: 1 to 2 transaction rows (cells in spec order), never more than `room`. */
  private order(room: number): string[][] {
    const r = this.rnd;
    const reuse = this.customers > 0 && r() < 0.35;
    const cust = reuse ? 1 + Math.floor(r() * this.customers) : ++this.customers;
    // Rows are arrays in spec order: building 58-key objects per row made generation GC-bound.
    const row: string[] = new Array<string>(transactionColumns.length).fill('');
    const set = (k: TxColumn, v: string) => {
      row[TX[k]] = v;
    };
    for (const [k, v] of Object.entries(this.customerCells(cust))) set(k as TxColumn, v);
    for (const [k, v] of Object.entries(this.payment())) set(k as TxColumn, v);
    const created = this.todayMs - DAY_MS * (2 + Math.floor(r() * 700)) + Math.floor(r() * DAY_MS);
    const sub = 999 + Math.floor(r() * 19000);
    const ship = this.pick([0, 0, 495, 995]);
    const tax = Math.floor((sub * this.pick([0, 0, 5, 6, 8])) / 100);
    const total = sub + ship + tax;
    set('orderId', `O${++this.orderSeq}`);
    set('dateCreated', datetimeOf(created));
    set('campaignId', String(1 + Math.floor(r() * 20)));
    set('productId', String(100 + Math.floor(r() * 50)));
    set('isActiveRecurring', '0');
    set('merchantId', String(1 + Math.floor(r() * 5)));
    set('merchantTxnId', this.txnId());
    set('txnType', 'SALE');
    set('subTotal', money(sub));
    set('shipTotal', money(ship));
    set('salesTax', money(tax));
    set('totalAmount', money(total));
    set('responseType', 'SUCCESS');
    set('responseText', 'SUCCESS');
    set('authCode', this.digits(6));
    set('affId', r() < 0.5 ? `AFF${Math.floor(r() * 100)}` : '');
    set('subAffId', r() < 0.2 ? `s${Math.floor(r() * 1000)}` : '');
    set('isChargedback', '0');
    set('quantity', r() < 0.5 ? String(1 + Math.floor(r() * 3)) : '');
    set('variantDetailId', r() < 0.3 ? String(1000 + Math.floor(r() * 100)) : '');
    if (r() < 0.6) {
      set('shipDate', dateOf(created + DAY_MS));
      set('shipCarrier', this.pick(CARRIERS));
      set('shipMethod', this.pick(['Express', '3-day Ground', 'Priority']));
      set('trackingNumber', `1Z${this.digits(16)}`);
    }
    const kind = r();
    if (kind < 0.1 && room >= 2) {
      // Authorize, then capture it.
      set('txnType', 'AUTHORIZE');
      const capture = row.slice();
      capture[TX.merchantTxnId] = this.txnId();
      capture[TX.txnType] = 'CAPTURE';
      capture[TX.parentTxnId] = row[TX.merchantTxnId]!;
      capture[TX.dateCreated] = datetimeOf(created + 3600_000);
      return [row, capture];
    }
    if (kind < 0.22 && room >= 2) {
      // A sale, then a full or partial refund of it.
      const back = r() < 0.5 ? total : Math.floor(total / 2);
      const refund = row.slice();
      refund[TX.merchantTxnId] = this.txnId();
      refund[TX.txnType] = 'REFUND';
      refund[TX.parentTxnId] = row[TX.merchantTxnId]!;
      refund[TX.dateCreated] = datetimeOf(created + DAY_MS * (1 + Math.floor(r() * 20)));
      refund[TX.subTotal] = money(back);
      refund[TX.shipTotal] = '0.00';
      refund[TX.salesTax] = '0.00';
      refund[TX.totalAmount] = money(back);
      return [row, refund];
    }
    if (kind < 0.26) {
      set('isChargedback', '1');
      set('chargebackTotal', money(total));
      set('chargebackDate', dateOf(created + DAY_MS * (5 + Math.floor(r() * 40))));
      set('chargebackReasonCode', this.pick(['10.4', '13.1', '4853', 'UA02']));
    } else if (kind < 0.3) {
      set('responseType', 'DECLINE');
      set('responseText', 'DECLINE');
      set('authCode', '');
    } else if (kind < 0.55) {
      set('isActiveRecurring', '1');
      set('nextBillDate', dateOf(this.todayMs + DAY_MS * (1 + Math.floor(r() * 60))));
    }
    return [row];
  }

  private txnId(): string {
    return `MTX-${(++this.txnSeq).toString(36).toUpperCase()}-${this.txnSeq % 97}`;
  }

  /** Identity and addresses of customer n: a function of n, so a returning customer is the same person. */
  private customerCells(n: number): Cells {
    const r = mulberry32(n * 7919);
    const pick = <T>(xs: readonly T[]) => xs[Math.floor(r() * xs.length)]!;
    const first = pick(FIRST);
    const last = pick(LAST);
    const c = r();
    const country = c < 0.7 ? 'US' : c < 0.85 ? 'CA' : pick(OTHER);
    const state = country === 'US' ? pick(US_STATES) : country === 'CA' ? pick(CA_PROVINCES) : r() < 0.5 ? 'Bayern' : '';
    const postal = country === 'US' ? String(Math.floor(r() * 99999)).padStart(5, '0') : country === 'CA' ? 'K1A 0B1' : `${Math.floor(r() * 90000) + 10000}`;
    const phone = `555${String(Math.floor(r() * 1e7)).padStart(7, '0')}`;
    const cells: Cells = {
      customerId: `C${n}`,
      firstName: first,
      lastName: last,
      address1: `${1 + Math.floor(r() * 9999)} ${pick(STREETS)}`,
      address2: pick(ADDRESS2),
      city: pick(['Springfield', 'Toronto', 'Austin', 'Montréal', 'Berlin', 'Portland']),
      state,
      country,
      postalCode: postal,
      phoneNumber: n === 1 ? '5551112222' : phone,
      homePhone: r() < 0.3 ? phone : '',
      cellPhone: r() < 0.3 ? `1${phone}` : '',
      workPhone: '',
      emailAddress: `${first.normalize('NFD').replace(/[^A-Za-z]/g, '').toLowerCase()}.${n}@example.com`,
      billShipSame: '1',
    };
    if (r() < 0.15) {
      const sc = r() < 0.6 ? 'US' : r() < 0.5 ? 'CA' : pick(OTHER);
      cells.billShipSame = '0';
      cells.shipAddress1 = `${1 + Math.floor(r() * 999)} ${pick(STREETS)}`;
      cells.shipAddress2 = pick(ADDRESS2);
      cells.shipCity = pick(['Buffalo', 'Ottawa', 'London', 'Reno']);
      cells.shipState = sc === 'US' ? pick(US_STATES) : sc === 'CA' ? pick(CA_PROVINCES) : '';
      cells.shipCountry = sc;
      cells.shipPostalCode = sc === 'CA' ? 'H2X 1Y4' : String(10000 + Math.floor(r() * 89999));
    }
    return cells;
  }

  private payment(): Cells {
    const r = this.rnd;
    const p = r();
    if (p < 0.78) {
      const amex = r() < 0.1;
      const body = amex ? `37${this.digits(12)}` : `${this.pick(['4', '51', '52', '6011'])}`;
      const number = amex ? withLuhnDigit(body) : withLuhnDigit(body + this.digits(15 - body.length));
      const cells: Cells = {
        paySource: 'CREDITCARD',
        cardExpiryMonth: pad(1 + Math.floor(r() * 12)),
        cardExpiryYear: String(2026 + Math.floor(r() * 6)),
        cardNumber: number,
      };
      if (r() < 0.15) {
        // Tokenized: the gateway holds the card; the file carries a masked number and the token.
        const mask = r() < 0.5 ? 'x' : '*';
        cells.cardNumber = number.slice(0, 6) + mask.repeat(number.length - 10) + number.slice(-4);
        cells.externalToken = `tok_${this.digits(8)}${this.digits(8)}`;
      }
      return cells;
    }
    if (p < 0.9) {
      return {
        paySource: 'CHECK',
        achRoutingNumber: this.pick(ROUTING),
        achAccountNumber: this.digits(8 + Math.floor(r() * 5)),
        achAccountType: r() < 0.7 ? 'CHECKING' : 'SAVINGS',
      };
    }
    return { paySource: 'PREPAID' };
  }
}

/** A valid notes file for customers C1..C`customers`. */
export function syntheticNotesCsv(customers: number, rows: number, seed = 7): string {
  const r = mulberry32(seed);
  const lines = [noteColumns.map((c) => quote(c.name)).join(',')];
  for (let i = 0; i < rows; i++) {
    const c = 1 + Math.floor(r() * customers);
    lines.push(
      [`C${c}`, `2025-0${1 + (i % 9)}-1${i % 10} 10:0${i % 10}:00`, i % 3 === 0 ? '' : 'Agent Smith', `Called about order, "refund" asked\nsecond line ${i}`]
        .map(quote)
        .join(','),
    );
  }
  return `${lines.join('\r\n')}\r\n`;
}

/** A valid details file for customers C1..C`customers`. */
export function syntheticDetailsCsv(customers: number, rows: number): string {
  const lines = [detailColumns.map((c) => quote(c.name)).join(',')];
  for (let i = 1; i <= rows; i++) {
    const c = 1 + ((i * 31) % customers);
    lines.push([`C${c}`, `user${c}`, `pw,${c}`, 'gold', '', '', '', 'club: yes'].map(quote).join(','));
  }
  return `${lines.join('\n')}\n`;
}
