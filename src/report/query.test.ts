import { describe, expect, it } from 'vitest';
import type { ConnectionSummary } from '../store/store.js';
import { parseReportQuery, ReportQueryError, REPORT_NAMES, type ReportContext, type ReportName } from './query.js';

const conn = (name: string, timezone: string, baseCurrency = 'USD'): ConnectionSummary => ({
  connectionId: `id-${name}`, name, brand: 'konnektive', baseUrl: 'http://x', loginId: 'l', accountName: name, accountUsername: 'u', timezone, frequency: 'daily', baseCurrency, createdAt: 0,
});
const api: ReportContext = { surface: 'api', connections: [conn('shop', 'America/New_York')], defaultTz: 'UTC', now: Date.parse('2026-04-01T12:00:00Z') };
const cli: ReportContext = { ...api, surface: 'cli' };

/** The issue a request is refused with: [code, param, message]. */
function refusal(name: ReportName, params: Record<string, string | string[]>, ctx = api): [string, string, string] {
  try {
    parseReportQuery(name, params, ctx);
  } catch (err) {
    if (err instanceof ReportQueryError) return [err.code, err.param, err.message];
    throw err;
  }
  throw new Error(`${name} accepted ${JSON.stringify(params)}`);
}

describe('parseReportQuery', () => {
  it('fills the defaults and reads filters (either separator), group-by and connection names or ids', () => {
    const r = parseReportQuery('summary', { tz: ['Asia/Tokyo'], to: ['2026-03-31'], filter: ['campaign:3', 'affid=A1', 'connection:id-shop'], groupBy: ['sourceValue1'], connection: ['shop'] }, api);
    expect(r.q).toMatchObject({ from: '2026-03-02', to: '2026-03-31', tz: 'Asia/Tokyo', groupBy: 'subaffiliate', basis: 'event', accountZone: 'America/New_York' });
    expect(r.q.filters).toEqual([
      { dimension: 'connection', values: ['id-shop', 'id-shop'] },
      { dimension: 'campaign', values: [3] },
      { dimension: 'affiliate', values: ['A1'] },
    ]);
    // From the first day of the month 335 days before the month of `to`; `to` is today in the zone; the
    // last of repeated values counts.
    expect(parseReportQuery('cohorts', { to: '2026-03-31' }, api).q.from).toBe('2025-03-01');
    expect(parseReportQuery('retention', {}, api).q).toMatchObject({ from: '2025-05-01', to: '2026-04-01', tz: 'UTC' });
    expect(parseReportQuery('summary', { tz: 'Pacific/Kiritimati', from: ['2026-01-09', '2026-01-01'], to: '' }, api).q).toMatchObject({ from: '2026-01-01', to: '2026-04-02' });
    expect(parseReportQuery('cohorts', {}, api).by).toBe('month');
    expect(parseReportQuery('series', {}, api).by).toBe('day');
  });

  it('takes a named range (core/ranges.ts) ending on `to` or today, and refuses it beside `from`', () => {
    expect(parseReportQuery('summary', { range: 'last-12-months', to: '2026-12-05' }, api).q).toMatchObject({ from: '2025-12-06', to: '2026-12-05' });
    expect(parseReportQuery('cohorts', { range: 'year-to-date' }, api).q).toMatchObject({ from: '2026-01-01', to: '2026-04-01' });
    // The summary's default is the same function's last 30 days.
    expect(parseReportQuery('summary', { to: '2026-03-31' }, api).q.from).toBe(parseReportQuery('summary', { to: '2026-03-31', range: 'last-30-days' }, api).q.from);
    expect(refusal('summary', { range: 'last-12-months', from: '2026-01-01' }, cli)).toEqual(['invalid_parameter', 'from', '--from "2026-01-01" is not valid: expected no --from with --range (the range sets its first day; --to may set its last)']);
    expect(refusal('summary', { range: 'last-year' })).toEqual(['invalid_parameter', 'range', 'range "last-year" is not valid: expected one of last-7-days, last-30-days, last-90-days, month-to-date, last-month, year-to-date, last-12-months']);
  });

  it('gives the CLI a hint: the command\'s help, or how to list connections', () => {
    const hintOf = (name: ReportName, params: Record<string, string>, ctx = cli) => {
      try {
        parseReportQuery(name, params, ctx);
      } catch (err) {
        return (err as ReportQueryError).hint;
      }
      return 'accepted';
    };
    expect(hintOf('mids', { alerts: 'maybe' })).toBe('See konduit report mids --help.');
    expect(hintOf('triangle', { by: 'week' })).toBe('See konduit report cohorts --triangle --help.');
    expect(hintOf('summary', { from: '2026-02-01', to: '2026-01-01' })).toBe('Swap them: --from 2026-01-01 --to 2026-02-01.');
    expect(hintOf('summary', { connection: 'nope' })).toBe('List them with: konduit connections');
    expect(hintOf('summary', { groupBy: 'colour' }, api)).toBeUndefined();
  });

  it('reads horizons, alerts, views and asOf (start of that day in tz)', () => {
    expect(parseReportQuery('cohorts', { horizons: '7, 30,90' }, api).horizons).toEqual([7, 30, 90]);
    expect([parseReportQuery('mids', { alerts: 'true' }, api).alerts, parseReportQuery('mids', { alerts: 'no' }, api).alerts, parseReportQuery('mids', {}, api).alerts]).toEqual([true, false, undefined]);
    // Alerts look at the month of `to` and the one before it.
    expect(parseReportQuery('mids', { alerts: '1', to: '2026-03-10' }, api).q.from).toBe('2026-02-01');
    expect([parseReportQuery('declines', {}, api).view, parseReportQuery('declines', { by: 'bin' }, api).view, parseReportQuery('chargebacks', {}, api).view]).toEqual(['mid', 'bin', 'reason']);
    expect(parseReportQuery('triangle', { asOf: '2026-01-01', tz: 'America/New_York' }, api).asOf).toBe(Date.parse('2026-01-01T05:00:00Z'));
    expect(parseReportQuery('forecast', { backtest: '2025-10-01', tz: 'America/New_York' }, api).backtest).toBe(Date.parse('2025-10-01T04:00:00Z'));
  });

  it('takes a backtest date for the forecast only, and refuses a forecast by billing cycle', () => {
    expect(refusal('forecast', { backtest: '2025-13-01' })).toEqual(['invalid_parameter', 'backtest', expect.stringContaining('backtest "2025-13-01" is not valid: expected a date YYYY-MM-DD')]);
    expect(refusal('forecast', { backtest: 'soon' }, cli)[2]).toMatch(/^--backtest "soon" is not valid/);
    expect(refusal('retention', { backtest: '2025-10-01' }).slice(0, 2)).toEqual(['unknown_parameter', 'backtest']);
    expect(refusal('forecast', { groupBy: 'cycle' })).toEqual(['invalid_parameter', 'groupBy', expect.stringContaining('(a forecast is already by billing cycle)')]);
  });

  it('refuses each bad parameter with its code, the parameter and what it must be', () => {
    // Rebills ahead has no range and no breakdown (below).
    for (const name of REPORT_NAMES.filter((n) => n !== 'rebills')) {
      expect(refusal(name, { from: '2026-02-30' })).toEqual(['invalid_parameter', 'from', 'from "2026-02-30" is not valid: expected a date YYYY-MM-DD, e.g. 2026-01-31']);
      expect(refusal(name, { from: '2026-02-01', to: '2026-01-01' })).toEqual(['invalid_parameter', 'from', 'from "2026-02-01" is not valid: expected a date on or before to (2026-01-01)']);
      // MID health, declines and chargebacks have rows of their own: no groupBy.
      const grouped = name !== 'mids' && name !== 'declines' && name !== 'chargebacks';
      expect(refusal(name, { connection: 'nope' })).toEqual(['unknown_connection', 'connection', 'connection "nope" names no connection of this store: expected one of shop']);
      expect(refusal(name, { tz: 'Mars/Base' })[2]).toContain('Mars/Base');
      // Economics is per source of customers (spend is recorded per source): no group-by, no filter.
      if (name === 'economics') continue;
      expect(refusal(name, { groupBy: 'colour' })[0]).toBe(grouped ? 'invalid_parameter' : 'unknown_parameter');
      expect(refusal(name, { filter: 'campaign:1', horizonz: '7' })).toEqual(['unknown_parameter', 'horizonz', expect.stringMatching(grouped ? /^horizonz does not apply to the \w+ report: expected one of from, to, tz, groupBy, filter, connection/ : /^horizonz does not apply to the \w+ report: expected one of from, to, tz, filter, connection/)]);
    }
    expect(refusal('economics', { groupBy: 'campaign' })).toEqual(['unknown_parameter', 'groupBy', expect.stringMatching(/^groupBy does not apply to the economics report: expected one of from, to, range, tz, connection, currency, by, source, horizons, asOf/)]);
    expect(refusal('economics', { source: 'tv' })).toEqual(['invalid_parameter', 'source', 'source "tv" is not valid: expected one of campaign, affiliate, subaffiliate, utm']);
    expect(refusal('cohorts', { horizons: '7,x' })).toEqual(['invalid_parameter', 'horizons', 'horizons "7,x" is not valid: expected positive whole numbers of days up to 36600, at most 64 of them, comma-separated, e.g. 7,30,90']);
    expect(refusal('cohorts', { horizons: '0' })[1]).toBe('horizons');
    expect(refusal('mids', { alerts: 'maybe' })).toEqual(['invalid_parameter', 'alerts', 'alerts "maybe" is not valid: expected true or false']);
    expect(refusal('mids', { thresholds: '0.9,1.0,1.5' })[0]).toBe('unknown_parameter');
    expect(refusal('declines', { by: 'month' })).toEqual(['invalid_parameter', 'by', expect.stringMatching(/expected one of mid, bin, brand, cycle, reason, retry, days$/)]);
    expect(refusal('chargebacks', { by: 'bin' })[2]).toMatch(/expected one of reason, mid, days, cohort$/);
    expect(refusal('summary', { filter: ['affiliate:A', 'cycle:abc'] })).toEqual(['invalid_parameter', 'filter', expect.stringMatching(/^filter "cycle:abc" is not valid: .*cycle takes a whole number$/)]);
    expect(refusal('summary', { filter: 'campaign:' })[0]).toBe('invalid_parameter');
    expect(refusal('summary', { currency: 'dollars' })).toEqual(['invalid_parameter', 'currency', 'currency "dollars" is not valid: expected an ISO 4217 currency code such as USD, MXN or CLP']);
    expect(refusal('summary', { filter: 'connection:nope' })[0]).toBe('unknown_connection');
    expect(refusal('retention', { groupBy: 'cycle' })[2]).toMatch(/already by billing cycle/);
    expect(refusal('retention', { subgroupBy: 'subaffiliate' })).toEqual(['invalid_parameter', 'subgroupBy', 'subgroupBy "subaffiliate" is not valid: expected a field other than groupBy, given with groupBy (e.g. groupBy affiliate subgroupBy subaffiliate)']);
    expect(refusal('retention', { groupBy: 'affiliate', subgroupBy: 'affiliate' })[1]).toBe('subgroupBy');
    expect(parseReportQuery('retention', { groupBy: 'affiliate', subgroupBy: 'subaffiliate' }, api).subgroupBy).toBe('subaffiliate');
    // A breakdown's limit (report/group-cap.ts): whole groups from 1 to 200, on the grouped reports only.
    expect(parseReportQuery('summary', { groupBy: 'subaffiliate', limit: '20' }, api).limit).toBe(20);
    expect(parseReportQuery('summary', { groupBy: 'subaffiliate' }, api).limit).toBeUndefined();
    for (const bad of ['0', '201', '5.5', 'all']) expect(refusal('forecast', { limit: bad })).toEqual(['invalid_parameter', 'limit', `limit "${bad}" is not valid: expected a whole number of groups from 1 to 200: the breakdown lists its first values by rank and pools the rest in one row (default 200)`]);
    expect(refusal('mids', { limit: '5' })[0]).toBe('unknown_parameter');
    expect(refusal('rebills', { from: '2026-01-01' })).toEqual(['unknown_parameter', 'from', 'from does not apply to the rebills report: expected one of tz, connection, currency, windows, asOf']);
    expect(refusal('rebills', { windows: '30,7' })).toEqual(['invalid_parameter', 'windows', 'windows "30,7" is not valid: expected whole numbers of days up to 366, ascending, at most 12, comma-separated, e.g. 7,30,60,90']);
    expect(refusal('rebills', { windows: '0' })[1]).toBe('windows');
    expect(refusal('rebills', { windows: '400' })[1]).toBe('windows');
    expect(refusal('rebills', { connection: 'nope' })[0]).toBe('unknown_connection');
    expect(parseReportQuery('rebills', { windows: '7, 30,90' }, api).windows).toEqual([7, 30, 90]);
    expect(refusal('cohorts', { basis: 'crm' })).toEqual(['unknown_parameter', 'basis', expect.stringContaining('basis does not apply to the cohorts report')]);
    const twoZones = { ...api, connections: [conn('a', 'America/New_York'), conn('b', 'Europe/Paris')] };
    expect(refusal('summary', { basis: 'crm' }, twoZones)[2]).toMatch(/different account time zones \(America\/New_York, Europe\/Paris\); select one with connection$/);
    expect(parseReportQuery('summary', { basis: 'crm', connection: 'b' }, twoZones).q.accountZone).toBe('Europe/Paris');
  });

  it('says the same to the CLI, with its flag names', () => {
    expect(refusal('summary', { groupBy: 'colour' }, cli)[2]).toBe(refusal('summary', { groupBy: 'colour' })[2].replace(/^groupBy/, '--group-by'));
    expect(refusal('triangle', { asOf: 'soon' }, cli)[2]).toMatch(/^--as-of "soon" is not valid/);
    expect(refusal('triangle', { by: 'week' }, cli)[2]).toBe('--by does not apply to konduit report cohorts --triangle: expected one of --from, --to, --tz, --group-by, --filter, --connection, --currency, --range, --as-of, --margin, --limit');
    expect(refusal('summary', { from: '2026-02-01', to: '2026-01-01' }, cli)[2]).toBe('--from "2026-02-01" is not valid: expected a date on or before --to (2026-01-01)');
    // Before the store is open, connections are not checked.
    expect(parseReportQuery('summary', { connection: 'nope' }, { ...cli, connections: null }).q.filters).toEqual([{ dimension: 'connection', values: ['nope'] }]);
  });

  it('answers in one currency: the given one, else the base currency of the connections reported', () => {
    expect(parseReportQuery('summary', {}, api).q.currency).toBe('USD');
    expect(parseReportQuery('summary', { currency: 'mxn' }, api).q.currency).toBe('MXN');
    const two = { ...api, connections: [conn('us', 'America/New_York'), conn('mx', 'America/Mexico_City', 'MXN')] };
    expect(refusal('summary', {}, two)).toEqual(['ambiguous_currency', 'currency', 'the connections reported have different base currencies (us USD, mx MXN) and a report is in one currency: choose it with currency (MXN or USD), or select connections with connection']);
    expect(refusal('mids', {}, { ...two, surface: 'cli' })[2]).toMatch(/choose it with --currency \(MXN or USD\), or select connections with --connection$/);
    expect(parseReportQuery('summary', { connection: 'mx' }, two).q.currency).toBe('MXN');
    expect(parseReportQuery('summary', { currency: 'CLP' }, two).q.currency).toBe('CLP');
  });

  it('reads a filter value as an id, CONNECTION:ID or a name to resolve in the store', () => {
    const two = { ...api, connections: [conn('a', 'UTC'), conn('b', 'UTC')] };
    const r = parseReportQuery('summary', { filter: ['campaign:1', 'campaign:b:2', 'affiliate:a:AFF1', 'affiliate:x:y', 'product:Glow Serum', 'mid:a:Northwind', 'coupon:SAVE10', 'cycle:2'] }, two);
    expect(r.q.filters).toEqual([
      { dimension: 'campaign', values: [1, { connectionId: 'id-b', value: 2 }] },
      { dimension: 'affiliate', values: [{ connectionId: 'id-a', value: 'AFF1' }, 'x:y'] },
      { dimension: 'cycle', values: [2] },
    ]);
    expect(r.named).toEqual([
      { dimension: 'product', text: 'Glow Serum', connectionIds: null, given: 'product:Glow Serum' },
      { dimension: 'mid', text: 'Northwind', connectionIds: ['id-a'], given: 'mid:a:Northwind' },
      { dimension: 'coupon', text: 'SAVE10', connectionIds: null, given: 'coupon:SAVE10' },
    ]);
    // With --connection, a name is looked up in those connections only.
    expect(parseReportQuery('summary', { filter: 'product:Glow Serum', connection: 'b' }, two).named?.[0]?.connectionIds).toEqual(['id-b']);
  });
});
