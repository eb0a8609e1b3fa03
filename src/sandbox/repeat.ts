/**
 * Repeat buyers (opt-in, GenerateOptions.repeatBuyers): a customer whose first order bought a one-time
 * product comes back as the BG/NBD model's story says (docs/forecasts.md): while active they order again
 * as a Poisson process with rate λ per day, and after each repeat order they stop for good with
 * probability p; λ ~ Gamma(r, rate α) and p ~ Beta(a, b) across customers. Off by default, so every
 * other merchant stays draw for draw the same; the repeat orders draw from a stream of their own.
 */
import { gammaDraw } from '../core/prng.js';
import type { Rng } from './prng.js';

/** The BG/NBD parameters of the repeat buyers, α per day. */
export interface RepeatBuyers {
  r: number;
  alpha: number;
  a: number;
  b: number;
}

/** `repeatBuyers: true`: about one repeat order per 125 days while active, and a drop-out chance around 0.24 after each. */
export const DEFAULT_REPEAT_BUYERS: RepeatBuyers = { r: 0.8, alpha: 100, a: 0.8, b: 2.5 };

/** Checks the option and fills in the defaults; null when off. */
export function resolveRepeatBuyers(v: boolean | RepeatBuyers | undefined): RepeatBuyers | null {
  if (v === undefined || v === false) return null;
  const p = v === true ? DEFAULT_REPEAT_BUYERS : v;
  for (const k of ['r', 'alpha', 'a', 'b'] as const) {
    if (!(Number.isFinite(p[k]) && p[k] > 0)) throw new RangeError(`repeatBuyers.${k} must be a number more than 0, got ${String(p[k])}`);
  }
  return { r: p.r, alpha: p.alpha, a: p.a, b: p.b };
}

/** Uniform on (0, 1), never 0. */
function open01(r: Rng): number {
  let u = r.next();
  while (u === 0) u = r.next();
  return u;
}

/** Standard normal (Box-Muller, one of the pair). */
function normal(r: Rng): number {
  return Math.sqrt(-2 * Math.log(open01(r))) * Math.cos(2 * Math.PI * r.next());
}

/** One customer's repeat behaviour: their rate per day and drop-out chance. */
export function drawRepeater(r: Rng, p: RepeatBuyers): { rate: number; drop: number } {
  const gamma = (shape: number, rate: number) => gammaDraw(() => open01(r), () => normal(r), shape, rate);
  const rate = gamma(p.r, p.alpha);
  const x = gamma(p.a, 1);
  const y = gamma(p.b, 1);
  return { rate, drop: x / (x + y) };
}

/** Days to the next repeat order at this rate. */
export const waitDays = (r: Rng, rate: number): number => -Math.log(open01(r)) / rate;
