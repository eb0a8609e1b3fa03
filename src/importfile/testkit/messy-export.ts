/**
 * A realistic messy export (issue 17, "Done when"): what a merchant brings from an ordinary subscription
 * platform after opening it in a spreadsheet, with every damage the issue lists, and what the import
 * must become. Three files, as the merchant has them:
 *
 * 1. the platform's export (customers, orders, subscriptions, refunds and disputes in one file): a BOM,
 *    CRLF, dates as `MM/DD/YYYY hh:mm AM` in Los Angeles time, phones with dashes, ZIP codes a
 *    spreadsheet cut ("2134"), a Canadian postal code in lower case, card numbers the spreadsheet turned
 *    into `4.11111E+15`, a combined expiry `06/31`, no billShipSame (shipping empty, repeated or
 *    different), the subscription's status and next charge date on every row of it (some due before the
 *    import date), dispute rows of their own, "$" on totals, the empty cell for one-time purchases;
 * 2. the platform's notes export;
 * 3. the processor's card export (the full numbers, keyed by the gateway's customer vault id), which
 *    the test encrypts with GnuPG as processors send it.
 *
 * `expected` is every transaction row the import must hold, with its derived values, computed here from
 * the generator's own records (not by Konduit's code), for the test to assert.
 */
import { mulberry32 } from '../../core/prng.js';
import { formatWall, instantToWall, wallToInstant, type WallTime } from '../../core/time.js';
import { withCheckDigit } from './test-cards.js';

/** What one import row must hold after build, fix (with keep-day) and tokenize. */
export interface ExpectedRow {
  merchantTxnId: string;
  customerId: string;
  dateCreated: string;
  txnType: string;
  responseType: string;
  parentTxnId: string;
  campaignId: string;
  productId: string;
  isActiveRecurring: string;
  nextBillDate: string;
  paySource: string;
  /** The full card number (tokenize masks it: first 6, x's, last 4) or ''. */
  card: string;
  cardExpiryMonth: string;
  cardExpiryYear: string;
  phoneNumber: string;
  postalCode: string;
  billShipSame: string;
  isChargedback: string;
  chargebackTotal: string;
  chargebackDate: string;
  chargebackReasonCode: string;
  subTotal: string;
  totalAmount: string;
}

/** The export and what it must become. */
export interface MessyExport {
  platformCsv: string;
  notesCsv: string;
  cardsCsv: string;
  expected: ExpectedRow[];
  /** Notes as the import must hold them: customerId, dateCreated (account time), agentName, noteText. */
  expectedNotes: string[][];
  /** Counts of each damage, for the test to check the export really has them. */
  damage: { damagedCards: number; pastNextBill: number; disputes: number; droppedZipZeros: number; combinedExpiry: number; shippingSame: number; shippingDifferent: number; achCustomers: number; refunds: number };
  /** The rows whose next bill date the rebill guard moved, as [merchantTxnId, before, after]. */
  moved: [string, string, string][];
  /** The mapping a merchant writes for it (SOURCE 1 the export, 2 the notes, 3 the card export). */
  mapping: string;
}

const HEADER = ['Order ID', 'Transaction ID', 'Customer ID', 'Subscription ID', 'Created', 'Type', 'Status', 'Refunded Transaction', 'Dispute Reason', 'Product', 'Amount', 'Shipping', 'Tax', 'Total',
  'Subscription Status', 'Next Charge Date', 'First Name', 'Last Name', 'Email', 'Phone', 'Billing Address', 'Billing Address 2', 'Billing City', 'Billing State', 'Billing Zip', 'Billing Country',
  'Shipping Address', 'Shipping Address 2', 'Shipping City', 'Shipping State', 'Shipping Zip', 'Shipping Country', 'Payment Method', 'Card Number', 'Card Expiry', 'Bank Routing', 'Bank Account',
  'Bank Account Type', 'Gateway Customer ID'];

const FIRST = ['Ann', 'Bo', 'Carla', 'Dev', 'Elif', 'Farid', 'Gina', 'Hank', 'Ines', 'Jon'];
const LAST = ['Lee', 'Novak', 'Ortiz', 'Patel', 'Quinn', 'Rossi', 'Smith', 'Tran', 'Ueda', 'Vega'];
/** City, state, ZIP as the CRM needs it, country, ZIP as the spreadsheet left it. */
const PLACES: [string, string, string, string, string][] = [
  ['Boston', 'MA', '02134', 'US', '2134'], ['Austin', 'TX', '78701', 'US', '78701'], ['Newark', 'NJ', '07102', 'US', '7102'], ['Denver', 'CO', '80202', 'US', '80202'],
  ['Toronto', 'ON', 'M5V 2T6', 'CA', 'm5v2t6'], ['Portland', 'OR', '97201', 'US', '97201'],
];
const SUB = { name: 'Glow Monthly', productId: '15202', amount: 3995 };
const ONE = { name: 'Glow Trial Kit', productId: '15201', amount: 4995 };

const pad = (n: number) => String(n).padStart(2, '0');
const money = (c: number) => `${Math.floor(c / 100)}.${pad(c % 100)}`;

/** A Luhn-valid 16-digit number with a network's prefix, from a counter. */
const cardNumber = (i: number) => withCheckDigit(`${i % 2 ? '4111' : '5555'}${String(70000000000 + i * 7919).slice(0, 11)}`);

/** What a spreadsheet shows of a 16-digit number: 6 significant digits in scientific notation. */
const excel = (card: string) => `${card[0]}.${card.slice(1, 6)}E+15`;

/** Wall time (Los Angeles) as the platform writes it: MM/DD/YYYY hh:mm AM. */
function usTime(w: WallTime): string {
  const h12 = w.hour % 12 === 0 ? 12 : w.hour % 12;
  return `${pad(w.month)}/${pad(w.day)}/${w.year} ${pad(h12)}:${pad(w.minute)} ${w.hour < 12 ? 'AM' : 'PM'}`;
}
const usDate = (ymd: string) => `${ymd.slice(5, 7)}/${ymd.slice(8, 10)}/${ymd.slice(0, 4)}`;

function addDays(ymd: string, days: number): string {
  const d = new Date(Date.parse(`${ymd}T12:00:00Z`) + days * 86_400_000);
  return d.toISOString().slice(0, 10);
}

/** The keep-day rule, written independently of Konduit's: the same day of the month on or after the import date. */
function keepDay(next: string, importDate: string): string {
  const day = Number(next.slice(8, 10));
  let y = Number(importDate.slice(0, 4));
  let m = Number(importDate.slice(5, 7));
  for (;;) {
    const last = new Date(Date.UTC(y, m, 0)).getUTCDate();
    const d = `${y}-${pad(m)}-${pad(Math.min(day, last))}`;
    if (d >= importDate) return d;
    m = m === 12 ? 1 : m + 1;
    if (m === 1) y++;
  }
}

/** Generates the export of `customers` customers (seeded), dated before `latest` (YYYY-MM-DD), for an import on `importDate`. */
export function messyExport(o: { customers: number; seed?: number; latest: string; importDate: string }): MessyExport {
  const rnd = mulberry32(o.seed ?? 7);
  const rows: string[][] = [];
  const cards: string[][] = [['customer_vault_id', 'cc_number', 'cc_exp']];
  const notes: string[][] = [['Customer ID', 'Date', 'Agent', 'Note']];
  const expected: ExpectedRow[] = [];
  const expectedNotes: string[][] = [];
  const moved: [string, string, string][] = [];
  const damage = { damagedCards: 0, pastNextBill: 0, disputes: 0, droppedZipZeros: 0, combinedExpiry: 0, shippingSame: 0, shippingDifferent: 0, achCustomers: 0, refunds: 0 };
  let txn = 1000;
  const toAccount = (w: WallTime) => formatWall(instantToWall(wallToInstant(w, 'America/Los_Angeles'), 'America/New_York'));
  for (let c = 0; c < o.customers; c++) {
    const id = `CU${2000 + c}`;
    const first = FIRST[c % FIRST.length]!;
    const last = LAST[(c * 7) % LAST.length]!;
    const [city, state, zip, country, zipAsWritten] = PLACES[c % PLACES.length]!;
    if (zipAsWritten !== zip) damage.droppedZipZeros++;
    const phone = `512-555-${String(1000 + c).slice(-4)}`;
    const email = `${first.toLowerCase()}.${last.toLowerCase()}.${c}@example.com`;
    const street = `${100 + c} Main St`;
    const ach = c % 10 === 7;
    const card = ach ? '' : cardNumber(c);
    const expMonth = pad(1 + (c % 12));
    const expYear = String(27 + (c % 6));
    const vault = ach ? '' : `vault_${c}`;
    if (ach) damage.achCustomers++;
    else {
      cards.push([vault, card, `${expMonth}${expYear}`]);
      damage.combinedExpiry++;
    }
    const damaged = !ach && c % 2 === 0;
    if (damaged) damage.damagedCards++;
    // Shipping: empty (same as billing), the billing block written again, or elsewhere.
    const shipKind = c % 5 === 1 ? 'repeated' : c % 5 === 3 ? 'different' : 'empty';
    const ship =
      shipKind === 'empty' ? ['', '', '', '', '', ''] : shipKind === 'repeated' ? [street, '', city, state, zipAsWritten, country] : [`${9 + c} Elm Ave`, 'Unit 2', 'Austin', 'TX', '78702', 'US'];
    if (shipKind === 'different') damage.shippingDifferent++;
    else damage.shippingSame++;
    const isSub = c % 5 !== 2;
    const product = isSub ? SUB : ONE;
    const subId = isSub ? `sub_${c}` : '';
    const active = isSub && c % 4 !== 3;
    // The first charge between July and mid-September, monthly after it, the last at least 12 days before `latest`.
    const start = addDays('2026-07-01', (c * 5) % 75);
    const room = Math.floor((Date.parse(`${o.latest}T00:00:00Z`) - Date.parse(`${start}T00:00:00Z`)) / 86_400_000 / 30 - 0.4);
    const cycles = isSub ? Math.max(1, Math.min(1 + (c % 4), room)) : 1;
    let day = start;
    const charges: { id: string; order: string; at: WallTime; ok: boolean; cents: number; ship: number }[] = [];
    for (let k = 0; k < cycles; k++) {
      const at = { year: Number(day.slice(0, 4)), month: Number(day.slice(5, 7)), day: Number(day.slice(8, 10)), hour: 5 + ((c + k) % 14), minute: (c * 7 + k) % 60, second: 0 };
      const decline = k > 0 && c % 6 === 0 && k === cycles - 1;
      if (decline) charges.push({ id: `txn_${txn++}`, order: `ord_${c}_${k}d`, at: { ...at, hour: at.hour - 1 }, ok: false, cents: product.amount, ship: 0 });
      charges.push({ id: `txn_${txn++}`, order: `ord_${c}_${k}`, at, ok: true, cents: product.amount, ship: k === 0 ? 500 : 0 });
      day = addDays(day, 30);
    }
    const lastCharge = charges.at(-1)!;
    const lastDay = `${lastCharge.at.year}-${pad(lastCharge.at.month)}-${pad(lastCharge.at.day)}`;
    // A next charge after the import date, or for every third one 20 days after the last charge: before it.
    const next = active ? (c % 3 === 0 ? addDays(lastDay, 20) : addDays(o.importDate, 3 + (c % 25))) : '';
    const past = active && next < o.importDate;
    if (past) damage.pastNextBill++;
    const finalNext = past ? keepDay(next, o.importDate) : next;
    const status = isSub ? (active ? 'active' : 'cancelled') : '';
    const common = (t: { id: string; order: string; at: WallTime }) => [t.order, t.id, id, subId, usTime(t.at)];
    const nextText = next ? usDate(next) : '';
    const later = (w: WallTime, days: number): WallTime => {
      const d = addDays(`${w.year}-${pad(w.month)}-${pad(w.day)}`, days);
      return { ...w, year: Number(d.slice(0, 4)), month: Number(d.slice(5, 7)), day: Number(d.slice(8, 10)) };
    };
    const identity = [first, last, email, phone, street, '', city, state, zipAsWritten, country, ...ship];
    const pay = ach ? ['ACH', '', '', '021000021', '998877665544', 'checking', ''] : [c % 2 ? 'Visa' : 'Mastercard', damaged ? excel(card) : card, `${expMonth}/${expYear}`, '', '', '', vault];
    const latestApproved = [...charges].reverse().find((x) => x.ok)!;
    const refund = c % 7 === 4 ? charges[0] : undefined;
    const dispute = c % 9 === 5 ? latestApproved : undefined;
    const base = (x: (typeof charges)[number]): ExpectedRow => ({
      merchantTxnId: x.id, customerId: id, dateCreated: toAccount(x.at), txnType: 'SALE', responseType: x.ok ? 'SUCCESS' : 'DECLINE', parentTxnId: '', campaignId: '1', productId: product.productId,
      isActiveRecurring: x === latestApproved && active ? '1' : '0', nextBillDate: x === latestApproved && active ? finalNext : '', paySource: ach ? 'CHECK' : 'CREDITCARD', card,
      cardExpiryMonth: ach ? '' : expMonth, cardExpiryYear: ach ? '' : `20${expYear}`, phoneNumber: phone.replace(/-/g, ''), postalCode: zip, billShipSame: shipKind === 'different' ? '0' : '1',
      isChargedback: '', chargebackTotal: '', chargebackDate: '', chargebackReasonCode: '', subTotal: money(x.cents), totalAmount: money(x.cents + x.ship),
    });
    for (const x of charges) {
      rows.push([...common(x), 'charge', x.ok ? 'success' : 'failed', '', '', product.name, money(x.cents), money(x.ship), '0.00', `$${money(x.cents + x.ship)}`, status, nextText, ...identity, ...pay]);
      const e = base(x);
      if (x === latestApproved && past) moved.push([x.id, next, finalNext]);
      if (x === dispute) Object.assign(e, { isChargedback: '1', chargebackTotal: money(x.cents + x.ship) });
      expected.push(e);
    }
    if (refund) {
      damage.refunds++;
      const at = later(refund.at, 2);
      const r = { id: `txn_${txn++}`, order: refund.order, at };
      const cents = 1500;
      rows.push([...common(r), 'refund', 'success', refund.id, '', product.name, money(cents), '0.00', '0.00', `$${money(cents)}`, status, nextText, ...identity, ...pay]);
      expected.push({ ...base({ ...r, ok: true, cents, ship: 0 }), txnType: 'REFUND', parentTxnId: refund.id, isActiveRecurring: '0', nextBillDate: '' });
    }
    if (dispute) {
      damage.disputes++;
      const at = later(dispute.at, 9);
      const d = { id: `dsp_${txn++}`, order: dispute.order, at };
      rows.push([...common(d), 'dispute', 'success', dispute.id, '13.1', product.name, money(dispute.cents), money(dispute.ship), '0.00', `-$${money(dispute.cents + dispute.ship)}`, status, nextText, ...identity, ...pay]);
      const parent = expected.find((x) => x.merchantTxnId === dispute.id)!;
      Object.assign(parent, { chargebackDate: toAccount(at).slice(0, 10), chargebackReasonCode: '13.1' });
    }
    if (c % 3 === 0) {
      const at = { year: 2026, month: 10, day: 1 + (c % 27), hour: 15, minute: 5, second: 0 };
      notes.push([id, usTime(at), c % 2 ? 'Dana' : '', `Asked about the next shipment, ticket ${c}`]);
      expectedNotes.push([id, toAccount(at), c % 2 ? 'Dana' : '', `Asked about the next shipment, ticket ${c}`]);
    }
  }
  const csv = (rs: string[][]) => rs.map((r) => r.map((v) => (/[",\r\n]/.test(v) ? `"${v.replace(/"/g, '""')}"` : v)).join(',')).join('\r\n') + '\r\n';
  return {
    platformCsv: `\ufeff${csv([HEADER, ...rows])}`,
    notesCsv: csv(notes),
    cardsCsv: csv(cards),
    expected,
    expectedNotes,
    damage,
    moved,
    mapping: MAPPING,
  };
}

const MAPPING = `version: 1
source:
  timeZone: America/Los_Angeles
  dateTimeFormat: "MM/DD/YYYY hh:mm A"
  dateFormat: "MM/DD/YYYY"
target:
  timeZone: America/New_York
transactions:
  source: 1
  columns:
    customerId: "Customer ID"
    orderId: "Order ID"
    merchantTxnId: "Transaction ID"
    dateCreated: "Created"
    txnType: "Type"
    responseType: "Status"
    responseText: "Status"
    parentTxnId: "Refunded Transaction"
    isActiveRecurring: "Subscription Status"
    nextBillDate: "Next Charge Date"
    paySource: "Payment Method"
    achRoutingNumber: "Bank Routing"
    achAccountNumber: "Bank Account"
    achAccountType: "Bank Account Type"
    subTotal: "Amount"
    shipTotal: "Shipping"
    salesTax: "Tax"
    totalAmount: "Total"
    firstName: "First Name"
    lastName: "Last Name"
    emailAddress: "Email"
    phoneNumber: "Phone"
    address1: "Billing Address"
    address2: "Billing Address 2"
    city: "Billing City"
    state: "Billing State"
    postalCode: "Billing Zip"
    country: "Billing Country"
    shipAddress1: "Shipping Address"
    shipAddress2: "Shipping Address 2"
    shipCity: "Shipping City"
    shipState: "Shipping State"
    shipPostalCode: "Shipping Zip"
    shipCountry: "Shipping Country"
  constants:
    merchantId: "3"
  lookups:
    - by: "Product"
      values:
        "Glow Monthly": { campaignId: "1", productId: "15202" }
        "Glow Trial Kit": { campaignId: "1", productId: "15201" }
  values:
    txnType: { charge: SALE, refund: REFUND }
    responseType: { success: SUCCESS, failed: DECLINE }
    responseText: { success: SUCCESS, failed: DECLINE }
    isActiveRecurring: { active: "1", cancelled: "0", "": "0" }
    paySource: { Visa: CREDITCARD, Mastercard: CREDITCARD, ACH: CHECK }
    achAccountType: { checking: CHECKING }
  joins:
    - source: 3
      on: { "Gateway Customer ID": customer_vault_id }
      columns: { cardNumber: cc_number }
  derive:
    billShipSame: sameAddress
    cardExpiry: { from: "Card Expiry", format: "MM/YY" }
    subscription: { by: "Subscription ID" }
    disputes: { when: { column: Type, values: [dispute] }, parent: "Refunded Transaction", reasonCode: "Dispute Reason" }
notes:
  source: 2
  columns: { customerId: "Customer ID", dateCreated: "Date", agentName: "Agent", noteText: "Note" }
`;
