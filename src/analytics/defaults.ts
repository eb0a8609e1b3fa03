/**
 * The reports' default horizons, and how many a report takes. A module with no imports, so the dashboard can read the
 * same defaults at run time without pulling analytics code into its bundle (.dependency-cruiser.cjs).
 */

/** Cohort LTV horizons in days after each customer's first sale. */
export const DEFAULT_HORIZONS: readonly number[] = [1, 7, 14, 30, 60, 90, 180, 365];

/** Most horizons one cohort report answers (each is a column of every cohort), and the longest one in days. */
export const MAX_HORIZONS = 64;
export const MAX_HORIZON_DAYS = 36_600;
