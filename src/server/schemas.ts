/**
 * The request bodies of the API's routes, one zod schema each (the report routes' query parameters are
 * src/report/query.ts's; a sync's range and a connection's changes are src/sync/inputs.ts's, shared with
 * the CLI). A body that fails its schema is answered 400 `invalid_parameter` with the field in `param`
 * and a message that says what the field must be.
 */
import type { Context } from 'hono';
import { z } from 'zod';
import { isCurrencyCode } from '../core/currency.js';
import { checkInput } from '../core/input.js';
import { DEFAULT_ACCOUNT_ZONE, isValidTimeZone } from '../core/time.js';
import type { Brand, Frequency } from '../store/store.js';
import { BRANDS, CONNECTION_CHANGES_EXPECTED, DATE_EXPECTED, FREQUENCIES, optionalDate, SYNC_EXPECTED, SyncRange, withChanges } from '../sync/inputs.js';
import { MIN_PASSWORD_LENGTH } from './auth.js';
import { HttpError } from './errors.js';

export { BRANDS, FREQUENCIES };
const CONNECTION_NAME = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/;

/** A text field, trimmed; absent is empty. */
const text = (name: string) => z.string({ error: `${name} must be text` }).trim().optional().transform((v) => v ?? '');
/** A password: never trimmed (spaces are part of it); absent is empty. */
const secret = (name: string) => z.string({ error: `${name} must be text` }).optional().transform((v) => v ?? '');
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

/** The connect form (POST /api/connections and /api/connections/test): the fields the CRM's API-user guide names, zone and base URL under "Advanced". */
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

/**
 * PATCH /api/connections/:name: the changes of `konduit connections update` (src/sync/inputs.ts: password,
 * frequency, timeZone, baseCurrency) and the integration page's history range.
 */
export const ConnectionPatch = withChanges({ historyFrom: optionalDate, historyTo: optionalDate });
export const CONNECTION_PATCH_EXPECTED: Readonly<Record<string, string>> = { ...CONNECTION_CHANGES_EXPECTED, historyFrom: DATE_EXPECTED, historyTo: DATE_EXPECTED };

/** Reads a JSON body (a body that is not JSON reads as {}). */
async function jsonBody(c: Context): Promise<unknown> {
  return c.req.json().catch(() => ({}));
}

/**
 * Reads a JSON body through one of the schemas shared with the CLI (src/sync/inputs.ts), checked by the
 * shared layer (core/input.ts): 400 with its code, the field and what it must be. `label` names the request.
 */
export async function readInput<T extends z.ZodType>(c: Context, schema: T, label: string, expected: Readonly<Record<string, string>>): Promise<z.output<T>> {
  const body = await jsonBody(c);
  if (typeof body !== 'object' || body === null || Array.isArray(body)) throw new HttpError(400, 'invalid_parameter', 'the body must be a JSON object');
  return checkInput(schema, body as Record<string, unknown>, { surface: 'api', label, expected: (p) => expected[p] ?? 'a valid value', secret: ['password'] });
}

/** POST /api/connections/:name/sync: a history range, or nothing for an incremental sync (src/sync/inputs.ts). */
export { SyncRange as SyncBody, SYNC_EXPECTED };

/** Reads a JSON body through its schema (a body that is not JSON reads as {}); 400 with the first issue. */
export async function readBody<T extends z.ZodType>(c: Context, schema: T): Promise<z.output<T>> {
  const body = await jsonBody(c);
  const r = schema.safeParse(body);
  if (r.success) return r.data;
  const issue = r.error.issues[0];
  const param = issue?.path.join('.') || undefined;
  throw new HttpError(400, 'invalid_parameter', issue?.message ?? 'the body is not valid', { param });
}
