/**
 * The inputs of the sync and connection use cases, one zod schema each, checked the same way for
 * `konduit sync` / `konduit connections update` and for the HTTP API's bodies (core/input.ts):
 * the same rules, the same codes, the same messages but for how a field is spelled.
 */
import { z } from 'zod';
import { isCurrencyCode } from '../core/currency.js';
import { refuse } from '../core/input.js';
import { isValidTimeZone, parseWall } from '../core/time.js';
import type { Brand, ConnectionChanges, Frequency } from '../store/store.js';

export const FREQUENCIES: readonly Frequency[] = ['hourly', '6h', '12h', 'daily'];
export const BRANDS: readonly Brand[] = ['konnektive', 'checkoutchamp'];

export const DATE_EXPECTED = 'a date YYYY-MM-DD, e.g. 2026-01-31';

/** An optional date, YYYY-MM-DD that exists; empty is absent. */
export const optionalDate = z
  .string()
  .trim()
  .refine((v) => v === '' || (/^\d{4}-\d{2}-\d{2}$/.test(v) && parseWall(v) !== null))
  .transform((v) => v || undefined)
  .optional();

/** The range of a sync: `from` and `to` for a history import (a backfill), neither for an incremental sync. */
export const SyncRange = z
  .object({ from: optionalDate, to: optionalDate })
  .check((ctx) => {
    const { from, to } = ctx.value;
    if (from && !to) refuse(ctx, 'to', `${DATE_EXPECTED}, with {from} (a history import takes both; an incremental sync neither)`);
    else if (to && !from) refuse(ctx, 'from', `${DATE_EXPECTED}, with {to} (a history import takes both; an incremental sync neither)`);
    else if (from && to && from > to) refuse(ctx, 'from', `a date on or before {to} (${to})`);
  });

/** What each field of a sync range must be. */
export const SYNC_EXPECTED: Readonly<Record<string, string>> = { from: DATE_EXPECTED, to: DATE_EXPECTED };

/**
 * The fields of the changes to a saved connection (`konduit connections update`, PATCH
 * /api/connections/:name); an absent field is left as it is. `timezone` is accepted for `timeZone` (the
 * connect form's spelling). A caller with fields of its own adds them beside these (withChanges).
 */
export const CONNECTION_CHANGE_FIELDS = {
  password: z.string().refine((v) => v.length > 0).optional(),
  frequency: z.enum(FREQUENCIES as [Frequency, ...Frequency[]]).optional(),
  timeZone: z.string().trim().refine(isValidTimeZone).optional(),
  timezone: z.string().trim().refine(isValidTimeZone).optional(),
  baseCurrency: z.string().trim().transform((v) => v.toUpperCase()).refine(isCurrencyCode).optional(),
};
type ChangeFields = z.output<z.ZodObject<typeof CONNECTION_CHANGE_FIELDS>>;

/** The schema of the changes with the caller's own fields (`extra`): a field no one takes is refused. */
export function withChanges<E extends z.ZodRawShape>(extra: E) {
  return z.strictObject({ ...CONNECTION_CHANGE_FIELDS, ...extra }).check((ctx) => {
    const { timeZone, timezone } = ctx.value as ChangeFields;
    if (timeZone !== undefined && timezone !== undefined && timeZone !== timezone) refuse(ctx, 'timezone', `the same zone as {timeZone} (${timeZone}), or only one of them`);
  });
}

/** The changes a checked input asks for (its own fields left out). */
export function changesOf(v: ChangeFields): ConnectionChanges {
  const zone = v.timeZone ?? v.timezone;
  return {
    ...(v.password !== undefined ? { password: v.password } : {}),
    ...(v.frequency !== undefined ? { frequency: v.frequency } : {}),
    ...(zone !== undefined ? { timezone: zone } : {}),
    ...(v.baseCurrency !== undefined ? { baseCurrency: v.baseCurrency } : {}),
  };
}

/** The changes alone (the CLI's flags). */
export const ConnectionChangesInput = withChanges({});

/** What each field of the connection changes must be. */
export const CONNECTION_CHANGES_EXPECTED: Readonly<Record<string, string>> = {
  password: "the API user's password (not empty)",
  frequency: `one of ${FREQUENCIES.join(', ')}`,
  timeZone: 'an IANA time zone name such as America/New_York or Europe/Berlin',
  timezone: 'an IANA time zone name such as America/New_York or Europe/Berlin',
  baseCurrency: 'an ISO 4217 currency code such as USD, CAD or MXN',
};
