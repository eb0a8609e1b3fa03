/**
 * The merchant's fixed catalog: MIDs, base products, campaigns with their campaign products, affiliates
 * with sub-affiliates, and the name/address pools customers are drawn from. Fixed (not random) so that
 * tests and docs can name campaignId 1 or merchantId 3; only prices vary a little with the seed.
 */
import type { Affiliate, BaseProduct, Campaign, CampaignProduct, CampaignType, Mid } from './model.js';
import type { Rng } from './prng.js';

/** The gateways (MIDs) orders are spread across, with their share of new orders. */
export function buildMids(): { mids: Mid[]; weights: number[] } {
  const mids: Mid[] = [
    { merchantId: 3, name: 'Northwind Payments 01', descriptor: 'GLOWLAB*SERUM', midNumber: '528400112233' },
    { merchantId: 4, name: 'Northwind Payments 02', descriptor: 'GLOWLAB*SKIN', midNumber: '528400112234' },
    { merchantId: 7, name: 'Harbor Merchant Svcs', descriptor: 'VITALGREENS 8005550142', midNumber: '446120098761' },
    { merchantId: 9, name: 'Summit Processing', descriptor: 'KETOBURN*SUPPORT', midNumber: '731900004512' },
  ];
  return { mids, weights: [35, 25, 25, 15] };
}

interface ProductSpec {
  name: string;
  sku: string;
  cost: number;
}

const PRODUCT_SPECS: ProductSpec[] = [
  { name: 'Glow Serum 30ml', sku: 'GLW-30', cost: 420 },
  { name: 'Glow Night Cream', sku: 'GLW-NC', cost: 510 },
  { name: 'Vital Greens Powder', sku: 'VGR-01', cost: 880 },
  { name: 'Vital Greens Capsules', sku: 'VGR-CAP', cost: 640 },
  { name: 'Keto Burn 60ct', sku: 'KTB-60', cost: 390 },
  { name: 'Keto Burn Shaker', sku: 'KTB-SHK', cost: 150 },
  { name: 'Express Shipping Protection', sku: 'SHIP-PRT', cost: 0 },
];

interface CpSpec {
  product: number;
  kind: CampaignProduct['kind'];
  price: number;
  shipping: number;
  rebillPrice?: number;
  rebillShipping?: number;
  interval?: number;
  trialDays?: number;
  upsell?: boolean;
  weight?: number;
}

interface CampaignSpec {
  name: string;
  type: CampaignType;
  products: CpSpec[];
}

// Product ids start above 1000 and campaign product ids above 15000 so the two can never be confused.
const CAMPAIGNS: CampaignSpec[] = [
  {
    name: 'Glow Serum Store',
    type: 'ECOMMERCE',
    products: [
      { product: 0, kind: 'ONE_TIME', price: 4995, shipping: 599, weight: 3 },
      { product: 0, kind: 'SUBSCRIPTION', price: 3995, shipping: 0, interval: 30, weight: 5 },
      { product: 1, kind: 'SUBSCRIPTION', price: 6995, shipping: 0, interval: 60, weight: 2 },
      { product: 6, kind: 'ONE_TIME', price: 295, shipping: 0, upsell: true },
      { product: 1, kind: 'ONE_TIME', price: 2495, shipping: 0, upsell: true },
    ],
  },
  {
    name: 'Vital Greens Phone Sales',
    type: 'PHONE',
    products: [
      { product: 2, kind: 'SUBSCRIPTION', price: 5995, shipping: 695, interval: 30, weight: 5 },
      { product: 3, kind: 'SUBSCRIPTION', price: 3495, shipping: 495, interval: 14, weight: 2 },
      { product: 2, kind: 'ONE_TIME', price: 7995, shipping: 695, weight: 2 },
      { product: 3, kind: 'ONE_TIME', price: 1995, shipping: 0, upsell: true },
    ],
  },
  {
    name: 'Keto Burn Trial Lander',
    type: 'LANDER',
    products: [
      { product: 4, kind: 'TRIAL', price: 0, shipping: 495, rebillPrice: 8995, rebillShipping: 0, interval: 30, trialDays: 14, weight: 6 },
      { product: 4, kind: 'TRIAL', price: 195, shipping: 695, rebillPrice: 6995, rebillShipping: 0, interval: 30, trialDays: 21, weight: 3 },
      { product: 4, kind: 'SUBSCRIPTION', price: 14995, shipping: 0, interval: 60, weight: 1 },
      { product: 5, kind: 'ONE_TIME', price: 995, shipping: 0, upsell: true },
      { product: 6, kind: 'ONE_TIME', price: 295, shipping: 0, upsell: true },
    ],
  },
];

// Tax in basis points by campaign: the phone campaign ships from a state that collects sales tax.
const CAMPAIGN_TAX_BP = [0, 625, 0];

/** Base products and campaigns; prices move by up to +-$2 with the seed so merchants differ. */
export function buildCatalog(rng: Rng, created: number): { products: BaseProduct[]; campaigns: Campaign[] } {
  const products: BaseProduct[] = PRODUCT_SPECS.map((p, i) => ({
    productId: 1001 + i * 3,
    name: p.name,
    sku: p.sku,
    cost: p.cost,
    dateCreated: created,
  }));
  let nextCp = 15201;
  const campaigns: Campaign[] = CAMPAIGNS.map((spec, ci) => {
    const campaignId = ci + 1;
    const cps: CampaignProduct[] = spec.products.map((p) => {
      const base = products[p.product];
      if (!base) throw new Error('catalog: bad product index');
      const nudge = p.price >= 1000 ? rng.int(-2, 2) * 100 : 0;
      const price = p.price + nudge;
      const rebill = p.rebillPrice ?? price;
      return {
        campaignProductId: nextCp++,
        productId: base.productId,
        campaignId,
        name: base.name,
        kind: p.kind,
        price,
        shipping: p.shipping,
        rebillPrice: rebill,
        rebillShipping: p.rebillShipping ?? p.shipping,
        intervalDays: p.interval ?? 0,
        trialDays: p.trialDays ?? 0,
        taxBp: CAMPAIGN_TAX_BP[ci] ?? 0,
        isUpsell: p.upsell === true,
      };
    });
    return {
      campaignId,
      name: spec.name,
      type: spec.type,
      dateCreated: created,
      products: cps,
      mainProducts: cps.filter((c) => !c.isUpsell),
      upsells: cps.filter((c) => c.isUpsell),
    };
  });
  return { products, campaigns };
}

/** Relative weights of the main products of a campaign (same order as `mainProducts`). */
export function mainProductWeights(campaignIndex: number): number[] {
  const spec = CAMPAIGNS[campaignIndex];
  return spec ? spec.products.filter((p) => !p.upsell).map((p) => p.weight ?? 1) : [];
}

/** Share of new customers per campaign. */
export const CAMPAIGN_WEIGHTS = [45, 20, 35];

/** Affiliates with their sub-affiliate ids (sourceValue1); organic traffic has no affiliate. */
export function buildAffiliates(): { affiliates: Affiliate[]; weights: number[]; organicWeight: number } {
  const affiliates: Affiliate[] = [
    { affId: 'AFF101', sourceId: 11, title: 'Maxbounty Network', subs: ['mb-fb-01', 'mb-fb-02', 'mb-ig-07', 'mb-yt-12'] },
    { affId: 'AFF102', sourceId: 12, title: 'Clickdealer', subs: ['cd-native-a', 'cd-native-b', 'cd-search'] },
    { affId: 'AFF205', sourceId: 13, title: 'Influencer Collective', subs: ['inf-jenna', 'inf-marco', 'inf-dana', 'inf-lee', 'inf-ray'] },
    { affId: 'AFF310', sourceId: 14, title: 'Email Partners LLC', subs: ['em-list-3', 'em-list-9'] },
    { affId: 'CC01', sourceId: 21, title: 'Inbound Call Center', subs: ['agent-pool-a', 'agent-pool-b'] },
  ];
  return { affiliates, weights: [30, 20, 15, 10, 8], organicWeight: 17 };
}

export const FIRST_NAMES = [
  'James', 'Mary', 'Robert', 'Patricia', 'John', 'Jennifer', 'Michael', 'Linda', 'David', 'Elizabeth',
  'William', 'Barbara', 'Richard', 'Susan', 'Joseph', 'Jessica', 'Thomas', 'Sarah', 'Chris', 'Karen',
  'Daniel', 'Lisa', 'Matthew', 'Nancy', 'Anthony', 'Sandra', 'Mark', 'Ashley', 'Steven', 'Emily',
  'Andrew', 'Donna', 'Joshua', 'Michelle', 'Kevin', 'Carol', 'Brian', 'Amanda', 'George', 'Melissa',
  'Maria', 'Luis', 'Sofia', 'Wei', 'Priya', 'Omar', 'Aisha', 'Kenji', 'Olga', 'Noah',
];

export const LAST_NAMES = [
  'Smith', 'Johnson', 'Williams', 'Brown', 'Jones', 'Garcia', 'Miller', 'Davis', 'Rodriguez', 'Martinez',
  'Hernandez', 'Lopez', 'Gonzalez', 'Wilson', 'Anderson', 'Thomas', 'Taylor', 'Moore', 'Jackson', 'Martin',
  'Lee', 'Perez', 'Thompson', 'White', 'Harris', 'Sanchez', 'Clark', 'Ramirez', 'Lewis', 'Robinson',
  'Walker', 'Young', 'Allen', 'King', 'Wright', 'Scott', 'Torres', 'Nguyen', 'Hill', 'Flores',
  "O'Brien", 'Kowalski', 'Chen', 'Patel', 'Kim', 'Novak', 'Silva', 'Fischer', 'Rossi', 'Dubois',
];

export const STREETS = ['Main St', 'Oak Ave', 'Maple Dr', 'Cedar Ln', 'Pine St', 'Elm St', 'Lakeview Rd', 'Sunset Blvd', 'Park Ave', 'Hillcrest Dr', 'River Rd', 'Washington St'];

/** City, state, ZIP prefix. */
export const CITIES: Array<[string, string, string]> = [
  ['Springfield', 'IL', '627'], ['Austin', 'TX', '787'], ['Columbus', 'OH', '432'], ['Denver', 'CO', '802'],
  ['Orlando', 'FL', '328'], ['Phoenix', 'AZ', '850'], ['Portland', 'OR', '972'], ['Charlotte', 'NC', '282'],
  ['Nashville', 'TN', '372'], ['Atlanta', 'GA', '303'], ['Seattle', 'WA', '981'], ['Boise', 'ID', '837'],
  ['Albany', 'NY', '122'], ['Newark', 'NJ', '071'], ['Madison', 'WI', '537'], ['Reno', 'NV', '895'],
  ['Tulsa', 'OK', '741'], ['Omaha', 'NE', '681'], ['Richmond', 'VA', '232'], ['Sacramento', 'CA', '958'],
];

export const EMAIL_DOMAINS = ['gmail.com', 'yahoo.com', 'outlook.com', 'icloud.com', 'aol.com', 'hotmail.com'];

export const CARD_TYPES: Array<[string, string]> = [['VISA', '4'], ['MASTERCARD', '5'], ['AMEX', '3'], ['DISCOVER', '6']];

export const SOFT_DECLINE_TEXTS = ['Insufficient funds', 'Do Not Honor', 'Issuer unavailable', 'Exceeds withdrawal limit'];
export const HARD_DECLINE_TEXTS = ['Card reported stolen', 'Invalid card number', 'Account closed', 'Pick up card'];
export const CANCEL_REASONS = ['Customer request', 'Too much product', 'Too expensive', 'Did not see results', 'Moving'];
export const REFUND_REASONS = ['Customer not satisfied', 'Product damaged', 'Did not order', 'Shipping delay', 'Goodwill'];
export const CHARGEBACK_CODES = ['10.4', '13.1', '13.2', '13.3', '4837', '4853', '4855', '4863'];
