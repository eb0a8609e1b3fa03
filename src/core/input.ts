/**
 * The one way a request's input is checked, for the CLI and the HTTP API alike: a zod schema per
 * request (a report's parameters, a sync's range, a connection's changes), and one rendering of its
 * first issue as a UsageError with a stable code and the field at fault: exit code 2 with one line and
 * a hint in the CLI, `400 {"error": {"code", "message", "param"}}` in the API (src/server/errors.ts).
 * The message is the same on both surfaces but for how a field is spelled: `groupBy` or `--group-by`.
 */
import type { z } from 'zod';
import { UsageError, type InputErrorCode } from './errors.js';

/** Who asked: fields are spelled as the API names them or as CLI flags. */
export type Surface = 'api' | 'cli';

/**
 * A field's name for a surface: the API's name, or a flag: `flags[name]` when the command spells it
 * otherwise (`timeZone` is `--timezone`), else the name in kebab case (`asOf` is `--as-of`).
 */
export function spell(param: string, surface: Surface, flags: Readonly<Record<string, string>> = {}): string {
  if (surface === 'api') return param;
  return flags[param] ?? `--${param.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}`;
}

/** A refused input: `code` and `param` for programs, the message (and hint) for people. */
export class InputError extends UsageError {
  declare readonly code: InputErrorCode;
  declare readonly param: string;
  constructor(code: InputErrorCode, param: string, message: string, hint?: string) {
    super(message, hint, { code, param });
  }
}

/** How a request's issues are told. */
export interface InputSpec {
  surface: Surface;
  /** What was asked, e.g. "konduit sync" or "the summary report" (in "--x does not apply to LABEL"). */
  label: string;
  /** What a field must be, e.g. "a date YYYY-MM-DD, e.g. 2026-01-31". */
  expected(param: string): string;
  /** Flags spelled otherwise than the kebab case of the field (see spell). */
  flags?: Readonly<Record<string, string>>;
  /** Fields given as lists of values (a repeated flag; an empty value counts as absent): the issue names the value at fault. */
  repeatable?: readonly string[];
  /** What to do, when the message alone does not say (e.g. the command's --help). */
  hint?: string;
  /** Fields whose values are never repeated in a message (passwords). */
  secret?: readonly string[];
}

/**
 * `{name}` in a message becomes the field `name` as the surface spells it, so one message serves both:
 * "a date on or before {to} (2025-01-01)" reads "... before --to (2025-01-01)" in the CLI.
 */
export function spellIn(text: string, surface: Surface, flags?: Readonly<Record<string, string>>): string {
  return text.replace(/\{([A-Za-z][A-Za-z0-9]*)\}/g, (_, name: string) => spell(name, surface, flags));
}

const lastOf = (v: unknown): unknown => (Array.isArray(v) ? v[v.length - 1] : v);

/**
 * In a schema's `.check`: refuses the field `param` with what it must be, given the other fields (a
 * rule across fields: "a date on or before {to} (2025-01-01)"); checkInput tells it in its message.
 */
export function refuse(ctx: z.core.ParsePayload, param: string, expected: string): void {
  ctx.issues.push({ code: 'custom', input: ctx.value, path: [param], message: expected, params: { expected: true } });
}

/**
 * Checks `input` (its undefined fields left out) with `schema`: its output, or an InputError for the first
 * issue: `unknown_parameter` for a field the schema does not take (listing those it takes), otherwise
 * `invalid_parameter`: `FIELD "VALUE" is not valid: expected WHAT` (or `FIELD is missing`, `is empty`;
 * a secret field's value is never shown), WHAT the schema's own when it refused
 * the field with `refuse` (a rule across fields), else `spec.expected(FIELD)`.
 */
export function checkInput<S extends z.ZodType>(schema: S, input: Readonly<Record<string, unknown>>, spec: InputSpec): z.output<S> {
  const s = (p: string) => spell(p, spec.surface, spec.flags);
  const defined = Object.fromEntries(Object.entries(input).filter(([, v]) => v !== undefined));
  const parsed = schema.safeParse(defined);
  if (parsed.success) return parsed.data;
  const issue = parsed.error.issues[0];
  if (issue?.code === 'unrecognized_keys') {
    const param = issue.keys[0] ?? '';
    const shape = (schema as unknown as { shape?: Record<string, unknown> }).shape ?? {};
    const takes = Object.keys(shape).map(s).join(', ');
    throw new InputError('unknown_parameter', param, `${s(param)} does not apply to ${spec.label}: expected one of ${takes}`, spec.hint);
  }
  const param = String(issue?.path[0] ?? '');
  const raw = defined[param];
  // A repeatable field's issue names the value at fault; a single one's is its (last) value.
  const at = spec.repeatable?.includes(param) ? issue?.path[1] : undefined;
  const got = typeof at === 'number' && Array.isArray(raw) ? raw.filter((v) => v !== '')[at] : lastOf(raw);
  const own = issue?.code === 'custom' && (issue.params as { expected?: boolean } | undefined)?.expected === true;
  const expected = own && issue ? spellIn(issue.message, spec.surface, spec.flags) : spec.expected(param);
  if (got === undefined || got === '' || spec.secret?.includes(param)) {
    throw new InputError('invalid_parameter', param, `${s(param)} ${got === undefined ? 'is missing' : got === '' ? 'is empty' : 'is not valid'}: expected ${expected}`, spec.hint);
  }
  const shown = (typeof got === 'string' ? got : JSON.stringify(got) ?? '').slice(0, 80);
  throw new InputError('invalid_parameter', param, `${s(param)} "${shown}" is not valid: expected ${expected}`, spec.hint);
}
