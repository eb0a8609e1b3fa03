import pg from 'pg';
import { afterAll } from 'vitest';
import { rowSetContract } from '../../../../test/contracts/row-set.contract.js';
import { storeContract } from '../../../../test/contracts/store.contract.js';
import { connectPostgres, openPostgresStore } from './postgres-store.js';

// Never skipped: when PostgreSQL is unreachable these tests fail (run `npm run provision`).
const url = process.env.KONDUIT_TEST_PG ?? 'postgres://konduit:konduit@127.0.0.1:5432/konduit_test';
const prefix = `kt_${process.pid}_${Date.now().toString(36)}`;
const schemas: string[] = [];
let n = 0;

storeContract('postgres', (options) => {
  const schema = `${prefix}_${++n}`;
  schemas.push(schema);
  return openPostgresStore(url, { ...options, schema });
});

rowSetContract('postgres', () => connectPostgres(url));

afterAll(async () => {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  for (const s of schemas) await client.query(`DROP SCHEMA IF EXISTS ${s} CASCADE`);
  await client.end();
});
