/**
 * `konduit import build --init`: a mapping.yaml template from a legacy export's header. Every import
 * column is listed; a source column is filled in where its name is a confident match (same name, or a
 * common synonym), marked `# REVIEW` where it is a guess, and left commented out where nothing matched.
 * The CRM ids (campaignId, productId, merchantId) are never guessed: they must come from the CRM.
 */
import { columnsByKind, type ColumnSpec } from '../spec/columns.js';

const norm = (s: string) => s.toLowerCase().replace(/[^a-z0-9]/g, '');

/** Common legacy names of the transactions columns (normalised: lower case, letters and digits). */
const SYNONYMS: Record<string, string[]> = {
  customerId: ['customerid', 'custid', 'customerno', 'customernumber', 'clientid', 'memberid', 'accountid'],
  orderId: ['orderid', 'orderno', 'ordernumber', 'invoiceid', 'invoice'],
  dateCreated: ['datecreated', 'created', 'createdat', 'date', 'transactiondate', 'txndate', 'orderdate', 'timestamp', 'datetime'],
  isActiveRecurring: ['isactiverecurring', 'active', 'isactive', 'subscriptionactive', 'recurring', 'status', 'subscriptionstatus'],
  nextBillDate: ['nextbilldate', 'nextbilling', 'nextbillingdate', 'nextrebill', 'nextrebilldate', 'nextchargedate', 'renewaldate'],
  paySource: ['paysource', 'paymentmethod', 'paymenttype', 'method', 'tender'],
  cardNumber: ['cardnumber', 'ccnumber', 'cc', 'pan', 'creditcard', 'cardno', 'creditcardnumber', 'accountnumbercard'],
  cardExpiryMonth: ['cardexpirymonth', 'expmonth', 'expirymonth', 'ccexpmonth', 'expirationmonth'],
  cardExpiryYear: ['cardexpiryyear', 'expyear', 'expiryyear', 'ccexpyear', 'expirationyear'],
  achRoutingNumber: ['achroutingnumber', 'routingnumber', 'routing', 'aba'],
  achAccountNumber: ['achaccountnumber', 'bankaccountnumber', 'accountnumber', 'bankaccount'],
  achAccountType: ['achaccounttype', 'accounttype', 'bankaccounttype'],
  merchantTxnId: ['merchanttxnid', 'transactionid', 'txnid', 'gatewaytransactionid', 'processortransactionid', 'chargeid', 'reference'],
  txnType: ['txntype', 'transactiontype', 'type', 'kind'],
  subTotal: ['subtotal', 'price', 'productprice', 'amountbeforetax'],
  shipTotal: ['shiptotal', 'shipping', 'shippingamount', 'shippingcost'],
  salesTax: ['salestax', 'tax', 'taxamount'],
  totalAmount: ['totalamount', 'total', 'amount', 'chargeamount', 'grandtotal'],
  responseType: ['responsetype', 'result', 'response', 'transactionstatus'],
  responseText: ['responsetext', 'responsemessage', 'message'],
  authCode: ['authcode', 'authorizationcode', 'approvalcode'],
  parentTxnId: ['parenttxnid', 'parenttransactionid', 'originaltransactionid', 'refundof', 'originaltxnid'],
  firstName: ['firstname', 'fname', 'givenname', 'billingfirstname'],
  lastName: ['lastname', 'lname', 'surname', 'familyname', 'billinglastname'],
  address1: ['address1', 'address', 'street', 'billingaddress', 'billingaddress1', 'addressline1'],
  address2: ['address2', 'billingaddress2', 'addressline2', 'apt', 'suite'],
  city: ['city', 'billingcity', 'town'],
  state: ['state', 'billingstate', 'province', 'region', 'stateprovince'],
  country: ['country', 'billingcountry', 'countrycode'],
  postalCode: ['postalcode', 'zip', 'zipcode', 'postcode', 'billingzip', 'billingpostalcode'],
  phoneNumber: ['phonenumber', 'phone', 'telephone', 'tel', 'mobile', 'billingphone'],
  homePhone: ['homephone'],
  cellPhone: ['cellphone', 'cell', 'mobilephone'],
  workPhone: ['workphone', 'officephone'],
  emailAddress: ['emailaddress', 'email', 'mail', 'customeremail'],
  billShipSame: ['billshipsame', 'sameasbilling', 'shippingsameasbilling'],
  shipAddress1: ['shipaddress1', 'shippingaddress', 'shippingaddress1', 'shipaddress'],
  shipAddress2: ['shipaddress2', 'shippingaddress2'],
  shipCity: ['shipcity', 'shippingcity'],
  shipState: ['shipstate', 'shippingstate', 'shippingprovince'],
  shipCountry: ['shipcountry', 'shippingcountry'],
  shipPostalCode: ['shippostalcode', 'shipzip', 'shippingzip', 'shippingpostalcode'],
  affId: ['affid', 'affiliate', 'affiliateid'],
  subAffId: ['subaffid', 'subaffiliate', 'subid'],
  shipDate: ['shipdate', 'shippedat', 'shippeddate'],
  shipCarrier: ['shipcarrier', 'carrier'],
  shipMethod: ['shipmethod', 'shippingmethod'],
  trackingNumber: ['trackingnumber', 'tracking', 'trackingno'],
  isChargedback: ['ischargedback', 'chargeback', 'chargedback', 'disputed'],
  chargebackTotal: ['chargebacktotal', 'chargebackamount', 'disputeamount'],
  chargebackDate: ['chargebackdate', 'disputedate'],
  chargebackReasonCode: ['chargebackreasoncode', 'reasoncode', 'disputereason'],
  externalToken: ['externaltoken', 'token', 'gatewaytoken', 'cardtoken', 'paymenttoken', 'vaultid'],
  quantity: ['quantity', 'qty'],
};

/** Columns that are Konnektive ids: they come from the CRM, never from the export. */
const CRM_IDS = new Set(['campaignId', 'productId', 'merchantId', 'variantDetailId']);

/** A guess for one import column (pure). `confident` = exact name match (case and separators ignored). */
export interface ColumnGuess {
  column: string;
  source: string | null;
  confident: boolean;
}

/** Guesses the source column of each transactions column from a header (pure). Each source is used once. */
export function guessColumns(header: readonly string[], specs: readonly ColumnSpec[] = columnsByKind.transactions): ColumnGuess[] {
  const byNorm = new Map<string, string>();
  for (const h of header) if (!byNorm.has(norm(h))) byNorm.set(norm(h), h);
  const used = new Set<string>();
  const guesses: ColumnGuess[] = specs.map((s) => ({ column: s.name, source: null, confident: false }));
  // Exact names first, so a synonym never takes a column that another import column names exactly.
  for (const g of guesses) {
    if (CRM_IDS.has(g.column)) continue;
    const h = byNorm.get(norm(g.column));
    if (h && !used.has(h)) {
      g.source = h;
      g.confident = true;
      used.add(h);
    }
  }
  for (const g of guesses) {
    if (g.source || CRM_IDS.has(g.column)) continue;
    for (const syn of SYNONYMS[g.column] ?? []) {
      const h = byNorm.get(syn);
      if (h && !used.has(h)) {
        g.source = h;
        used.add(h);
        break;
      }
    }
  }
  return guesses;
}

const yq = (s: string) => JSON.stringify(s);

/** The mapping.yaml template for a source header (pure). */
export function mappingTemplate(header: readonly string[], sourceName: string, samples: readonly string[][] = []): string {
  const guesses = guessColumns(header);
  const unused = header.filter((h) => !guesses.some((g) => g.source === h));
  const sampleOf = (h: string) => {
    const i = header.indexOf(h);
    const vals = [...new Set(samples.map((r) => r[i] ?? '').filter((v) => v !== ''))].slice(0, 3);
    return vals.length ? vals.map((v) => (/\d{12,}/.test(v.replace(/[\s-]/g, '')) ? '(number hidden)' : v)).join(' | ') : '';
  };
  const lines: string[] = [
    `# konduit import build mapping, made by \`konduit import build --init\` from ${sourceName}.`,
    '# Lines marked "# REVIEW" are guesses: check each one, then remove the mark. Commented-out columns',
    '# found no source column: map one, give a constant, or leave them out if optional.',
    '# Reference: docs/migration.md ("Build") and docs/import-files.md (every column).',
    'version: 1',
    'source:',
    '  timeZone: America/New_York        # REVIEW: the zone the export writes its date-times in',
    '  dateTimeFormat: "YYYY-MM-DD HH:mm:ss"  # REVIEW: tokens YYYY YY MM M DD D HH H hh h mm ss A',
    '  dateFormat: "YYYY-MM-DD"          # REVIEW: how dates (next bill date, ship date) are written',
    'target:',
    '  timeZone: America/New_York        # REVIEW: the CRM account\'s time zone',
    'transactions:',
    '  source: 1',
    '  columns:                          # import column: source column',
  ];
  for (const g of guesses) {
    if (CRM_IDS.has(g.column)) continue;
    const ex = g.source ? sampleOf(g.source) : '';
    if (g.source) lines.push(`    ${g.column}: ${yq(g.source)}${g.confident ? '' : '  # REVIEW: guessed'}${ex ? `  # e.g. ${ex}` : ''}`);
    else lines.push(`    # ${g.column}:`);
  }
  lines.push(
    '  constants:                        # the same value on every row: ids from the CRM (seed 001 step 4)',
    '    campaignId: ""                  # REVIEW: CRM > Campaigns, ID column',
    '    merchantId: ""                  # REVIEW: CRM > Merchants > MIDs, ID column (future rebills run here)',
    '    productId: ""                   # REVIEW: the CAMPAIGN product id (campaign page), not the base product id',
    '  # lookups:                        # ids per legacy product, plan or MID, e.g.:',
    '  #   - by: "Plan"',
    '  #     values:',
    '  #       "Gold Monthly": { campaignId: "1", productId: "15202" }',
    '  values:                           # value maps: source value -> import value',
    '    # paySource: { "Visa": CREDITCARD, "ACH": CHECK }',
    '    # txnType: { "charge": SALE, "refund": REFUND }',
    '    # isActiveRecurring: { "active": "1", "cancelled": "0" }',
    '    # responseType: { "approved": SUCCESS, "declined": DECLINE }',
    '# notes:                            # Customer Notes, e.g. from a second SOURCE file',
    '#   source: 2',
    '#   columns: { customerId: "...", dateCreated: "...", agentName: "...", noteText: "..." }',
    '# details:                          # Additional Customer Details (one row per customer)',
    '#   source: 1',
    '#   columns: { customerId: "...", loginId: "...", custom1: "..." }',
  );
  if (unused.length > 0) lines.push(`# Source columns not used: ${unused.map(yq).join(', ')}`);
  return `${lines.join('\n')}\n`;
}
