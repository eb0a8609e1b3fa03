/**
 * The merchant's fixed catalog: MIDs, base products, campaigns with their campaign products, coupons,
 * affiliates with sub-affiliates, and the name/address pools customers are drawn from. Fixed (not
 * random) so that tests and docs can name campaignId 1 or merchantId 3; only prices vary a little with
 * the seed. Every account numbers its campaigns, products and MIDs the same way (real accounts all
 * start from 1), so two sandboxes collide on those ids; under the `real` profile the names come from
 * one of a few brands picked by the seed, so colliding ids name different things.
 */
import { localPrice } from './currency.js';
import type { Affiliate, BaseProduct, Campaign, CampaignProduct, CampaignType, Coupon, Currency, Mid } from './model.js';
import type { Rng } from './prng.js';

/** What a merchant calls its products, campaigns and MIDs, and the stems of its coupon codes. */
export interface Brand {
  /** Names and SKUs of the 7 base products, in PRODUCT_SPECS order. */
  products: Array<[string, string]>;
  /** Names of the 3 offers (campaigns), in CAMPAIGNS order. */
  campaigns: [string, string, string];
  /** Name and descriptor of the 4 MIDs. */
  mids: Array<[string, string]>;
  couponStems: [string, string, string];
}

/** Brand 0 is the `rich` profile's (today's names); the `real` profile picks one by the seed. */
export const BRANDS: readonly Brand[] = [
  {
    products: [['Glow Serum 30ml', 'GLW-30'], ['Glow Night Cream', 'GLW-NC'], ['Vital Greens Powder', 'VGR-01'], ['Vital Greens Capsules', 'VGR-CAP'], ['Keto Burn 60ct', 'KTB-60'], ['Keto Burn Shaker', 'KTB-SHK'], ['Express Shipping Protection', 'SHIP-PRT']],
    campaigns: ['Glow Serum Store', 'Vital Greens Phone Sales', 'Keto Burn Trial Lander'],
    mids: [['Northwind Payments 01', 'GLOWLAB*SERUM'], ['Northwind Payments 02', 'GLOWLAB*SKIN'], ['Harbor Merchant Svcs', 'VITALGREENS 8005550142'], ['Summit Processing', 'KETOBURN*SUPPORT']],
    couponStems: ['GLOW', 'GREENS', 'KETO'],
  },
  {
    products: [['Lumiere Vitamin C Serum', 'LUM-VC'], ['Lumiere Retinol Night Cream', 'LUM-RN'], ['PureRoots Super Greens', 'PRS-SG'], ['PureRoots Greens Tablets', 'PRS-TB'], ['SlimCore Keto BHB 60ct', 'SLC-60'], ['SlimCore Blender Bottle', 'SLC-BB'], ['Package Protection', 'PKG-PRT']],
    campaigns: ['Lumiere Skincare Shop', 'PureRoots Call Center', 'SlimCore Keto Free Trial'],
    mids: [['Paysafe Direct A', 'LUMIERE*SKIN'], ['Paysafe Direct B', 'LUMIERESKIN.COM'], ['Elavon Merchant 2', 'PUREROOTS 8885550199'], ['NMI Esquire Risk', 'SLIMCORE*KETO']],
    couponStems: ['LUMI', 'ROOTS', 'SLIM'],
  },
  {
    products: [['Velvet Hyaluronic Serum', 'VLV-HS'], ['Velvet Overnight Mask', 'VLV-OM'], ['Verdant Daily Greens', 'VRD-DG'], ['Verdant Greens Caps', 'VRD-GC'], ['Ignite Keto 60ct', 'IGN-60'], ['Ignite Shaker Cup', 'IGN-SC'], ['Shipping Insurance', 'SHP-INS']],
    campaigns: ['Velvet Beauty Online', 'Verdant Phone Orders', 'Ignite Keto Trial Offer'],
    mids: [['Fortis Payments 1', 'VELVETBEAUTY'], ['Fortis Payments 2', 'VELVET*MASK'], ['Priority Commerce', 'VERDANT 8775550123'], ['PayArc Omaha', 'IGNITE*KETO']],
    couponStems: ['VELVET', 'VERDANT', 'IGNITE'],
  },
  {
    products: [['Aura Peptide Serum', 'AUR-PS'], ['Aura Firming Cream', 'AUR-FC'], ['GreenVital Organic Greens', 'GVT-OG'], ['GreenVital Chewables', 'GVT-CH'], ['Keto Max Pro 60ct', 'KMX-60'], ['Keto Max Shaker', 'KMX-SH'], ['Route Protection', 'RTE-PRT']],
    campaigns: ['Aura Skin Direct', 'GreenVital Inbound Sales', 'Keto Max Trial'],
    mids: [['Chase Paymentech 01', 'AURASKIN*DIRECT'], ['Chase Paymentech 02', 'AURA*CREAM'], ['EMS High Risk', 'GREENVITAL 8665550188'], ['Durango Merchant Svcs', 'KETOMAX*HELP']],
    couponStems: ['AURA', 'VITAL', 'KMAX'],
  },
];

/** The gateways (MIDs) orders are spread across, with their share of new orders. */
export function buildMids(brand: Brand = BRANDS[0] as Brand): { mids: Mid[]; weights: number[] } {
  const ids: Array<[number, string]> = [[3, '528400112233'], [4, '528400112234'], [7, '446120098761'], [9, '731900004512']];
  const mids: Mid[] = ids.map(([merchantId, midNumber], i) => {
    const [name, descriptor] = brand.mids[i] as [string, string];
    return { merchantId, name, descriptor, midNumber };
  });
  return { mids, weights: [35, 25, 25, 15] };
}

/** Product costs, in PRODUCT_SPECS order (the names are the brand's). */
const PRODUCT_COSTS = [420, 510, 880, 640, 390, 150, 0];

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
  type: CampaignType;
  products: CpSpec[];
}

// Product ids start above 1000 and campaign product ids above 15000 so the two can never be confused.
const CAMPAIGNS: CampaignSpec[] = [
  {
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
    type: 'PHONE',
    products: [
      { product: 2, kind: 'SUBSCRIPTION', price: 5995, shipping: 695, interval: 30, weight: 5 },
      { product: 3, kind: 'SUBSCRIPTION', price: 3495, shipping: 495, interval: 14, weight: 2 },
      { product: 2, kind: 'ONE_TIME', price: 7995, shipping: 695, weight: 2 },
      { product: 3, kind: 'ONE_TIME', price: 1995, shipping: 0, upsell: true },
    ],
  },
  {
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

/** What buildCatalog needs besides the seed's stream. */
export interface CatalogOptions {
  brand: Brand;
  /** One set of the 3 offers per currency, in this order: campaigns 1-3 sell the first. */
  currencies: readonly Currency[];
  coupons: boolean;
}

/**
 * Base products, campaigns and coupons; prices move by up to +-$2 with the seed so merchants differ.
 * Draws from the stream exactly as a one-currency catalog does (one nudge per offer product), whatever
 * the currencies: the simulation that follows then draws the same numbers in every profile.
 */
export function buildCatalog(rng: Rng, created: number, opts: CatalogOptions = { brand: BRANDS[0] as Brand, currencies: [], coupons: false }): { products: BaseProduct[]; campaigns: Campaign[]; coupons: Coupon[] } {
  const products: BaseProduct[] = PRODUCT_COSTS.map((cost, i) => {
    const [name, sku] = opts.brand.products[i] as [string, string];
    return { productId: 1001 + i * 3, name, sku, cost, dateCreated: created };
  });
  const prices = CAMPAIGNS.map((spec) => spec.products.map((p) => p.price + (p.price >= 1000 ? rng.int(-2, 2) * 100 : 0)));
  let nextCp = 15201;
  const campaigns: Campaign[] = [];
  const coupons: Coupon[] = [];
  for (const currency of opts.currencies) {
    const local = (usd: number) => localPrice(usd, currency);
    CAMPAIGNS.forEach((spec, ci) => {
      const campaignId = campaigns.length + 1;
      const cps: CampaignProduct[] = spec.products.map((p, pi) => {
        const base = products[p.product];
        if (!base) throw new Error('catalog: bad product index');
        const price = prices[ci]?.[pi] ?? p.price;
        return {
          campaignProductId: nextCp++,
          productId: base.productId,
          campaignId,
          name: base.name,
          kind: p.kind,
          price: local(price),
          shipping: local(p.shipping),
          rebillPrice: local(p.rebillPrice ?? price),
          rebillShipping: local(p.rebillShipping ?? p.shipping),
          intervalDays: p.interval ?? 0,
          trialDays: p.trialDays ?? 0,
          // US sales tax: only the US phone campaign's state collects it.
          taxBp: currency.code === 'USD' ? (CAMPAIGN_TAX_BP[ci] ?? 0) : 0,
          isUpsell: p.upsell === true,
        };
      });
      const name = opts.brand.campaigns[ci] as string;
      const campaign: Campaign = {
        campaignId,
        name: currency.code === 'USD' ? name : `${name} ${currency.code.slice(0, 2)}`,
        type: spec.type,
        offer: ci,
        currency,
        coupons: [],
        dateCreated: created,
        products: cps,
        mainProducts: cps.filter((c) => !c.isUpsell),
        upsells: cps.filter((c) => c.isUpsell),
      };
      if (opts.coupons) campaign.coupons = campaignCoupons(campaign, opts.brand.couponStems[ci] as string, coupons.length + 1, created);
      coupons.push(...campaign.coupons);
      campaigns.push(campaign);
    });
  }
  return { products, campaigns, coupons };
}

/**
 * A campaign's three coupons: 10% off, a fixed amount off (5 dollars' worth, localised), and 20% off
 * its first main product only. Codes carry the campaign's country outside the US, so a code names one
 * campaign of the account.
 */
function campaignCoupons(c: Campaign, stem: string, firstId: number, created: number): Coupon[] {
  const suffix = c.currency.code === 'USD' ? '' : c.currency.code.slice(0, 2);
  const flat = localPrice(500, c.currency);
  const main = c.mainProducts[0] ?? null;
  const specs: Array<Omit<Coupon, 'couponId' | 'campaign' | 'dateCreated'>> = [
    { couponCode: `${stem}10${suffix}`, name: '10% off the first order', cp: null, discountType: 'PERCENT', value: 1000 },
    { couponCode: `${stem}SAVE${suffix}`, name: `${c.currency.symbol}${(flat / 100).toFixed(c.currency.unit === 100 ? 0 : 2)} off the first order`, cp: null, discountType: 'FLAT', value: flat },
    { couponCode: `${stem}VIP20${suffix}`, name: `20% off ${main?.name ?? 'the main product'}`, cp: main, discountType: 'PERCENT', value: 2000 },
  ];
  return specs.map((s, i) => ({ couponId: firstId + i, campaign: c, dateCreated: created, ...s }));
}

/** Relative weights of the main products of a campaign (same order as `mainProducts`). */
export function mainProductWeights(campaignIndex: number): number[] {
  const spec = CAMPAIGNS[campaignIndex];
  return spec ? spec.products.filter((p) => !p.upsell).map((p) => p.weight ?? 1) : [];
}

/** Share of new customers per campaign. */
export const CAMPAIGN_WEIGHTS = [45, 20, 35];

/**
 * The affiliates that, under the `clickIds` option, pass a click id per customer as the sub-affiliate
 * (`sourceValue1`) instead of their few sub-ids, as networks posting a click id into the sub-id field do.
 */
export const CLICK_ID_AFFILIATES: ReadonlySet<string> = new Set(['AFF101', 'AFF102']);

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

/**
 * Cities of the customers of a campaign selling outside the US, by the currency's country (EUR: a few
 * euro countries, the country last). Drawn with the same one draw as a US city, so a merchant's
 * customers are the same people whatever their campaign's currency.
 */
export const FOREIGN_CITIES: Record<string, Array<[string, string, string, string]>> = {
  MX: [['Ciudad de Mexico', 'CMX', '063', 'MX'], ['Guadalajara', 'JAL', '441', 'MX'], ['Monterrey', 'NLE', '640', 'MX'], ['Puebla', 'PUE', '720', 'MX'], ['Queretaro', 'QRO', '760', 'MX'], ['Merida', 'YUC', '970', 'MX']],
  AU: [['Sydney', 'NSW', '200', 'AU'], ['Melbourne', 'VIC', '300', 'AU'], ['Brisbane', 'QLD', '400', 'AU'], ['Perth', 'WA', '600', 'AU'], ['Adelaide', 'SA', '500', 'AU']],
  ZA: [['Johannesburg', 'GP', '200', 'ZA'], ['Cape Town', 'WC', '800', 'ZA'], ['Durban', 'KZN', '400', 'ZA'], ['Pretoria', 'GP', '000', 'ZA']],
  DE: [['Berlin', 'BE', '101', 'DE'], ['Munich', 'BY', '803', 'DE'], ['Madrid', 'MD', '280', 'ES'], ['Lyon', 'ARA', '690', 'FR'], ['Dublin', 'D', 'D02', 'IE'], ['Vienna', 'W', '101', 'AT']],
  GB: [['London', 'LND', 'SW1', 'GB'], ['Manchester', 'MAN', 'M1 ', 'GB'], ['Leeds', 'LDS', 'LS1', 'GB'], ['Bristol', 'BST', 'BS1', 'GB']],
  CA: [['Toronto', 'ON', 'M5V', 'CA'], ['Vancouver', 'BC', 'V6B', 'CA'], ['Calgary', 'AB', 'T2P', 'CA'], ['Montreal', 'QC', 'H3B', 'CA']],
  CO: [['Bogota', 'DC', '110', 'CO'], ['Medellin', 'ANT', '050', 'CO'], ['Cali', 'VAC', '760', 'CO']],
  CL: [['Santiago', 'RM', '832', 'CL'], ['Valparaiso', 'VS', '236', 'CL'], ['Concepcion', 'BI', '403', 'CL']],
};

export const EMAIL_DOMAINS = ['gmail.com', 'yahoo.com', 'outlook.com', 'icloud.com', 'aol.com', 'hotmail.com'];

export const CARD_TYPES: Array<[string, string]> = [['VISA', '4'], ['MASTERCARD', '5'], ['AMEX', '3'], ['DISCOVER', '6']];

export const SOFT_DECLINE_TEXTS = ['Insufficient funds', 'Do Not Honor', 'Issuer unavailable', 'Exceeds withdrawal limit'];
export const HARD_DECLINE_TEXTS = ['Card reported stolen', 'Invalid card number', 'Account closed', 'Pick up card'];
export const CANCEL_REASONS = ['Customer request', 'Too much product', 'Too expensive', 'Did not see results', 'Moving'];
export const REFUND_REASONS = ['Customer not satisfied', 'Product damaged', 'Did not order', 'Shipping delay', 'Goodwill'];
export const CHARGEBACK_CODES = ['10.4', '13.1', '13.2', '13.3', '4837', '4853', '4855', '4863'];
