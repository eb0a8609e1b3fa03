import { openPostgresStore } from '/work/main/src/store/engines/postgres/postgres-store.ts';
import { generateKey } from '/work/main/src/store/secrets.ts';
const store = await openPostgresStore('postgres://konduit:konduit@127.0.0.1:5432/konduit_test', { secretKey: generateKey(), schema: 'kb_dashboard_3559' });
const t = performance.now();
await store.migrate();
console.log('migrate ms', (performance.now() - t).toFixed(0));
console.table((await store.query("SELECT family, COUNT(*) AS n FROM retention_groups GROUP BY 1 ORDER BY 1")).map((r) => ({ ...r, n: Number(r.n) })));
await store.close();
