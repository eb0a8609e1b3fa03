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
  const schema = `k${label.replace(/\W/g, '')}_${process.pid}_${Date.now().toString(36)}`;
  const store = await openPostgresStore(pgUrl, { secretKey: generateKey(), schema });
  await store.migrate();
  return {
    store,
    dispose: async () => {
      await store.close();
      const c = new pg.Client({ connectionString: pgUrl });
      await c.connect();
      await c.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
      await c.end();
    },
  };
}
