/**
 * The reports' default horizons and thresholds, and how many of each a report takes. A module with no imports, so the dashboard can read the
 * same defaults at run time without pulling analytics code into its bundle (.dependency-cruiser.cjs).
 */

/** Cohort LTV horizons in days after each customer's first sale. */
export const DEFAULT_HORIZONS: readonly number[] = [1, 7, 14, 30, 60, 90, 180, 365];

/** MID health ratio thresholds as fractions, ascending: at or above each, the next label applies. */
export const DEFAULT_THRESHOLDS: readonly [number, number, number] = [0.009, 0.01, 0.015];

/** Most horizons one cohort report answers (each is a column of every cohort), and the longest one in days. */
export const MAX_HORIZONS = 64;
export const MAX_HORIZON_DAYS = 36_600;

/** Most thresholds a MID report takes (one health label each). */
export const MAX_THRESHOLDS = 10;
