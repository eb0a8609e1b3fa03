/**
 * The costs routes (docs/api.md, "Costs"): a connection's rates and ad spend read and written over HTTP,
 * for the dashboard's Costs page and for scripts (an API token). Writes go through src/costs, as
 * `konduit costs import` does: a row that cannot be read is answered 422 `invalid_costs` naming its
 * row and field, and nothing is written; every change is recorded with who made it (the session's
 * user, or the token's name) and through what (web, api).
 */
import type { Context, Hono } from 'hono';
import { z } from 'zod';
import { isCurrencyCode } from '../core/currency.js';
import { importCostFile, saveCostRows } from '../costs/apply.js';
import { parseSpendMap, ratesJson, spendJson } from '../costs/json.js';
import { CostFileError } from '../costs/read.js';
import { SOURCE_KINDS, type SourceKind } from '../ledger/costs.js';
import { COST_KINDS, type ChangeAuthor, type CostChangeResult, type CostKind } from '../store/costs.js';
import type { ConnectionSummary, Store } from '../store/store.js';
import type { Principal } from './auth.js';
import { HttpError } from './errors.js';
import { readBody } from './schemas.js';

/** Largest body of the routes that take a file or a table of rows (bytes). */
export const COSTS_BODY_LIMIT = 8 * 1024 * 1024;

/** Whether a request path is one of the routes that take COSTS_BODY_LIMIT. */
export const isCostUpload = (path: string): boolean => /^\/api\/connections\/[^/]+\/(costs(\/[a-z]+)?|spend)$/.test(path);

const cell = z.union([z.string(), z.number(), z.null()], { error: 'a field is text, a number or null' });
const Rows = z.object(
  { rows: z.array(z.record(z.string(), cell), { error: 'rows must be a list of objects' }).max(100_000, { error: 'at most 100000 rows at a time' }), platform: z.string().trim().min(1).max(40).optional() },
  { error: 'the body must be a JSON object {"rows": [...]}' },
);

const DATE = /^\d{4}-\d{2}-\d{2}$/;

interface Deps {
  store: Store;
  mustGet(name: string): Promise<ConnectionSummary>;
  /** Called after a change (the report cache is dropped). */
  changed(): void;
}

type Ctx = Context<{ Variables: { principal: Principal } }>;

/** Who is writing: the signed-in user through the web, or an API token's name through the API. */
function authorOf(c: Ctx, origin: string): ChangeAuthor {
  const p = c.get('principal');
  return p.kind === 'session' ? { actor: p.session.username, via: 'web', origin } : { actor: `token ${p.token.name}`, via: 'api', origin };
}

/** A change's result as JSON. */
const resultJson = (r: CostChangeResult) => ({ changes: r.changes, rebuilt: r.rebuilt, kinds: r.kinds });

/** Problems with the rows or the file: 422 naming each row and field (`issues`), nothing written. */
async function orIssues<T>(f: () => Promise<T>): Promise<T> {
  try {
    return await f();
  } catch (err) {
    if (err instanceof CostFileError) {
      throw new HttpError(422, 'invalid_costs', err.message, { hint: err.hint ?? 'Nothing was written. Fix the rows named and send them again.', issues: err.issues.slice(0, 100) });
    }
    throw err;
  }
}

const query = (c: Ctx, name: string): string | undefined => {
  const v = c.req.queries(name);
  if (v && v.length > 1) throw new HttpError(400, 'invalid_parameter', `${name} is given ${v.length} times: give it once`, { param: name });
  return v?.[0];
};

/** Registers the costs routes (after the principal middleware). */
export function costRoutes(app: Hono<{ Variables: { principal: Principal } }>, d: Deps): void {
  const kindOf = (text: string, rates: boolean): CostKind => {
    const kinds = rates ? COST_KINDS.filter((k) => k !== 'spend') : COST_KINDS;
    if (!kinds.includes(text as CostKind)) throw new HttpError(404, 'unknown_route', `no cost kind "${text}": expected one of ${kinds.join(', ')}`);
    return text as CostKind;
  };

  app.get('/api/connections/:name/costs', async (c) => {
    const conn = await d.mustGet(c.req.param('name'));
    return c.json({ connection: conn.name, baseCurrency: conn.baseCurrency, ...ratesJson(await d.store.rates(conn.connectionId)) });
  });

  // A rate table given whole (the web's table, a script's): rows of that kind not sent are removed.
  app.put('/api/connections/:name/costs/:kind', async (c) => {
    const conn = await d.mustGet(c.req.param('name'));
    const kind = kindOf(c.req.param('kind'), true);
    const { rows } = await readBody(c, Rows);
    const r = await orIssues(() => saveCostRows(d.store, conn, kind, rows, { replace: true, origin: `PUT costs/${kind}` }, authorOf(c, `PUT costs/${kind}`)));
    if (r.changes > 0) d.changed();
    return c.json({ connection: conn.name, ...resultJson(r) });
  });

  // A file as `konduit costs import` reads it, as the request body (text/csv or application/yaml).
  app.post('/api/connections/:name/costs/import', async (c) => {
    const conn = await d.mustGet(c.req.param('name'));
    const type = (c.req.header('content-type') ?? '').toLowerCase();
    const file = (query(c, 'file') ?? '').trim() || (type.includes('yaml') ? 'upload.yaml' : 'upload.csv');
    const currency = query(c, 'currency')?.toUpperCase();
    if (currency !== undefined && !isCurrencyCode(currency)) throw new HttpError(400, 'invalid_parameter', `currency "${currency}" is not valid: expected an ISO 4217 code such as USD`, { param: 'currency' });
    const replace = query(c, 'replace');
    if (replace !== undefined && !['true', 'false'].includes(replace)) throw new HttpError(400, 'invalid_parameter', 'replace must be true or false', { param: 'replace' });
    const bytes = new Uint8Array(await c.req.arrayBuffer());
    const r = await orIssues(() =>
      importCostFile(d.store, conn, bytes, { file, as: query(c, 'as'), platform: query(c, 'platform'), map: parseSpendMap(query(c, 'map'), 'map'), currency, replace: replace === 'true' }, authorOf(c, file)),
    );
    if (r.result && r.result.changes > 0) d.changed();
    return c.json({ connection: conn.name, file, layout: r.layout, rows: r.rows, skipped: r.skipped, held: r.held, ...(r.result ? resultJson(r.result) : {}) });
  });

  app.get('/api/connections/:name/costs/log', async (c) => {
    const conn = await d.mustGet(c.req.param('name'));
    const kindText = query(c, 'kind');
    const kind = kindText === undefined ? undefined : COST_KINDS.includes(kindText as CostKind) ? (kindText as CostKind) : null;
    if (kind === null) throw new HttpError(400, 'invalid_parameter', `kind must be one of ${COST_KINDS.join(', ')}`, { param: 'kind' });
    const limitText = query(c, 'limit') ?? '200';
    const limit = /^\d{1,5}$/.test(limitText) ? Number(limitText) : 0;
    if (limit < 1) throw new HttpError(400, 'invalid_parameter', 'limit must be a whole number from 1 to 99999', { param: 'limit' });
    const changes = await d.store.costChanges(conn.connectionId, { limit, kind });
    return c.json({ connection: conn.name, changes: changes.map((x) => ({ ...x, at: new Date(x.at).toISOString() })) });
  });

  app.get('/api/connections/:name/spend', async (c) => {
    const conn = await d.mustGet(c.req.param('name'));
    const [from, to] = [query(c, 'from'), query(c, 'to')];
    for (const [k, v] of [['from', from], ['to', to]] as const) {
      if (v !== undefined && !DATE.test(v)) throw new HttpError(400, 'invalid_parameter', `${k} must be a date YYYY-MM-DD, e.g. 2026-01-31`, { param: k });
    }
    const source = query(c, 'source');
    if (source !== undefined && !SOURCE_KINDS.includes(source as SourceKind)) throw new HttpError(400, 'invalid_parameter', `source must be one of ${SOURCE_KINDS.join(', ')}`, { param: 'source' });
    const rows = await d.store.spendRows(conn.connectionId, { from, to, sourceKind: source as SourceKind | undefined });
    return c.json({ connection: conn.name, spend: spendJson(rows) });
  });

  // Spend rows added: a row whose day, source, platform and currency are stored replaces it, so sending the same rows twice changes nothing.
  app.post('/api/connections/:name/spend', async (c) => {
    const conn = await d.mustGet(c.req.param('name'));
    const { rows, platform } = await readBody(c, Rows);
    const r = await orIssues(() => saveCostRows(d.store, conn, 'spend', rows, { replace: false, origin: 'POST spend', platform: platform ?? 'api' }, authorOf(c, 'POST spend')));
    if (r.changes > 0) d.changed();
    return c.json({ connection: conn.name, ...resultJson(r) });
  });
}
