/** The ledger's public surface: money events, how they are derived, the measures and dimensions. */
export * from './events.js';
export * from './derive.js';
export * from './voids.js';
export * from './measures.js';
export * from './dimensions.js';
export * from './attribution.js';
export * from './reversals.js';
export * from './cards.js';
