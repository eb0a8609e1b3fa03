/**
 * The request bodies of the API's routes, one zod schema each (the report routes' query parameters are
 * src/report/query.ts's). A body that fails its schema is answered 400 `invalid_parameter` with the
 * field in `param` and a message that says what the field must be.
 */
import type { Context } from 'hono';
import { z } from 'zod';
import { isCurrencyCode } from '../core/currency.js';
import { DEFAULT_ACCOUNT_ZONE, isValidTimeZone, parseWall } from '../core/time.js';
import type { Brand, Frequency } from '../store/store.js';
import { MIN_PASSWORD_LENGTH } from './auth.js';
import { HttpError } from './errors.js';

export const FREQUENCIES: readonly Frequency[] = ['hourly', '6h', '12h', 'daily'];
export const BRANDS: readonly Brand[] = ['konnektive', 'checkoutchamp'];
const CONNECTION_NAME = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/;

/** A text field, trimmed; absent is empty. */
const text = (name: string) => z.string({ error: `${name} must be text` }).trim().optional().transform((v) => v ?? '');
/** A password: never trimmed (spaces are part of it); absent is empty. */
const secret = (name: string) => z.string({ error: `${name} must be text` }).optional().transform((v) => v ?? '');
/** An optional date; empty is absent. */
const date = (name: string) =>
  text(name)
    .refine((v) => v === '' || (/^\d{4}-\d{2}-\d{2}$/.test(v) && parseWall(v) !== null), { error: `${name} must be a date YYYY-MM-DD, e.g. 2026-01-31` })
    .transform((v) => v || undefined);
const frequency = z.enum(FREQUENCIES as [Frequency, ...Frequency[]], { error: `frequency must be one of ${FREQUENCIES.join(', ')}` });
const object = <S extends z.ZodRawShape>(shape: S) => z.object(shape, { error: 'the body must be a JSON object' });

/** POST /api/setup: the first-run admin account. */
export const SetupBody = object({
  username: text('username').refine((v) => v !== '', { error: 'choose a username' }),
  password: secret('password').refine((v) => v.length >= MIN_PASSWORD_LENGTH, { error: `the password needs at least ${MIN_PASSWORD_LENGTH} characters` }),
});

/** POST /api/session: a sign-in; anything but text counts as a wrong login, not as a bad request. */
export const LoginBody = object({ username: z.string().trim().catch(''), password: z.string().catch('') });

/** POST /api/tokens. */
export const TokenBody = object({ name: text('name').transform((v) => v || 'script') });

/** The connect form (POST /api/connections and /api/connections/test): seed 000's fields, zone and base URL under "Advanced". */
export const ConnectForm = object({
  brand: z.enum(BRANDS as [Brand, ...Brand[]], { error: `brand must be one of ${BRANDS.join(', ')}` }),
  loginId: text('loginId'),
  password: secret('password'),
  accountName: text('accountName'),
  accountUsername: text('accountUsername'),
  timezone: text('timezone').transform((v) => v || DEFAULT_ACCOUNT_ZONE).refine(isValidTimeZone, { error: 'timezone must be an IANA time zone, e.g. America/New_York' }),
  baseUrl: text('baseUrl').transform((v) => v.replace(/\/+$/, '')).refine((v) => v === '' || /^https?:\/\/[^\s/]+/.test(v), { error: 'baseUrl must start with http:// or https://' }),
  name: text('name').refine((v) => v === '' || CONNECTION_NAME.test(v), { error: 'name must be letters, digits, ".", "_" or "-" (at most 64, starting with a letter or digit)' }),
  frequency: frequency.optional(),
  baseCurrency: z.string().optional().transform((v) => (v ?? '').trim().toUpperCase() || 'USD').refine(isCurrencyCode, { error: 'baseCurrency must be an ISO 4217 code, e.g. USD, CAD or MXN' }),
}).check((ctx) => {
  const v = ctx.value;
  // One message for every empty field, as the form shows them together.
  const missing = [!v.loginId && 'API username', !v.password && 'API password', !v.accountName && 'account name', !v.accountUsername && 'account username'].filter(Boolean);
  if (missing.length > 0) ctx.issues.push({ code: 'custom', input: v, path: [], message: `fill in: ${missing.join(', ')}` });
});

/** PATCH /api/connections/:name: the integration page's settings. */
export const ConnectionPatch = object({ frequency: frequency.optional(), historyFrom: date('historyFrom'), historyTo: date('historyTo') });

/** POST /api/connections/:name/sync: a history range, or nothing for an incremental sync. */
export const SyncBody = object({ from: date('from'), to: date('to') }).check((ctx) => {
  const { from, to } = ctx.value;
  if (!from !== !to) ctx.issues.push({ code: 'custom', input: ctx.value, path: [from ? 'to' : 'from'], message: 'give both from and to for a history import, or neither for an incremental sync' });
  else if (from && to && from > to) ctx.issues.push({ code: 'custom', input: ctx.value, path: ['from'], message: `from must be on or before to (${to}), got ${from}` });
});

/** Reads a JSON body through its schema (a body that is not JSON reads as {}); 400 with the first issue. */
export async function readBody<T extends z.ZodType>(c: Context, schema: T): Promise<z.output<T>> {
  const body: unknown = await c.req.json().catch(() => ({}));
  const r = schema.safeParse(body);
  if (r.success) return r.data;
  const issue = r.error.issues[0];
  const param = issue?.path.join('.') || undefined;
  throw new HttpError(400, 'invalid_parameter', issue?.message ?? 'the body is not valid', { param });
}
