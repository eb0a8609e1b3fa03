/** The analytics module's public surface: report functions and their types (docs/metrics.md). */
export * from './dimensions.js';
export * from './defaults.js';
export * from './range.js';
export * from './figures.js';
export * from './summary.js';
export * from './cohorts.js';
export * from './retention.js';
export * from './rebills.js';
export * from './forecast.js';
export * from './mids.js';
export * from './currencies.js';
export * from './names.js';
export * from './coverage.js';
export * from './margin.js';
export * from './economics.js';
export { compare, divRound, divRoundMinor, rate, type Compared } from './arith.js';
export type { Basis } from './sql.js';
export * from './customer.js';
