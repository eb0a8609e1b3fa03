/**
 * Frozen migrations (after Nango's migrations folder): each is fixed SQL text per engine, written once
 * and never edited after it has shipped, so a database built by any release ends in the same schema.
 * A change of schema is a new file with the next version, added to `index.ts`.
 */
export interface Migration {
  version: number;
  name: string;
  duckdb: readonly string[];
  postgres: readonly string[];
}
