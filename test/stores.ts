/**
 * Test helper: a fresh, migrated store on either engine. DuckDB gets a temp file; PostgreSQL a schema of
 * its own, dropped on dispose. PostgreSQL is never skipped: when it is unreachable the suite fails
 * (`npm run provision` starts it).
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { openDuckDbStore } from '../src/store/engines/duckdb/duckdb-store.js';
import { openPostgresStore } from '../src/store/engines/postgres/postgres-store.js';
import { generateKey } from '../src/store/secrets.js';
import type { Store } from '../src/store/store.js';

export const PG_URL = process.env.KONDUIT_TEST_PG ?? 'postgres://konduit:konduit@127.0.0.1:5432/konduit_test';

/**
 * Opens and migrates a throw-away store; `dispose` closes it and removes its file or schema. `pgUrl`:
 * another PostgreSQL server than the tests' (the scale bench takes one from its environment).
 */
export async function openTestStore(engine: 'duckdb' | 'postgres', label = 'test', pgUrl = PG_URL): Promise<{ store: Store; dispose(): Promise<void> }> {
  if (engine === 'duckdb') {
    const dir = await mkdtemp(join(tmpdir(), `konduit-${label}-`));
    const store = await openDuckDbStore(join(dir, 'k.duckdb'), { secretKey: generateKey() });
    await store.migrate();
    return {
      store,
      dispose: async () => {
        await store.close();
        await rm(dir, { recursive: true, force: true });
      },
    };
  }
  const { schema, drop } = await pgSchema(label, pgUrl);
  const store = await openPostgresStore(pgUrl, { secretKey: generateKey(), schema });
  await store.migrate();
  return {
    store,
    dispose: async () => {
      await store.close();
      await drop();
    },
  };
}

/**
 * A PostgreSQL schema of a test's own, created empty: its name (openPostgresStore's `schema`), a URL that
 * selects it (the server's search_path option: what the CLI's --db takes), and `drop`, which removes it.
 */
export async function pgSchema(label: string, pgUrl = PG_URL): Promise<{ schema: string; url: string; drop(): Promise<void> }> {
  const schema = `k${label.replace(/\W/g, '')}_${process.pid}_${Date.now().toString(36)}`;
  const admin = async (sql: string) => {
    const c = new pg.Client({ connectionString: pgUrl });
    await c.connect();
    try {
      await c.query(sql);
    } finally {
      await c.end();
    }
  };
  await admin(`CREATE SCHEMA IF NOT EXISTS ${schema}`);
  const url = new URL(pgUrl);
  url.searchParams.set('options', `-c search_path=${schema}`);
  return { schema, url: url.toString(), drop: () => admin(`DROP SCHEMA IF EXISTS ${schema} CASCADE`) };
}
