/** Legacy import intake (filled in below). */
import type { Merchant } from './model.js';

/** Validates and applies a legacy import file set posted to /_sandbox/intake. */
export async function applyIntakeRequest(m: Merchant, input: Record<string, unknown>): Promise<{ status: number; body: unknown }> {
  void m;
  void input;
  return { status: 501, body: { error: 'intake not implemented yet' } };
}
