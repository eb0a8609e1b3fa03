/**
 * Connections (ConnectionStore): one row per CRM account, its API password sealed with the store's key
 * (secrets.ts) and opened only for the CRM client. Removing a connection removes everything synced for it.
 */
import { randomUUID } from 'node:crypto';
import { InvalidInputError } from '../core/errors.js';
import type { StoreContext } from './driver.js';
import { CredentialsUndecryptableError, open, seal } from './secrets.js';
import type { Brand, Connection, ConnectionChanges, ConnectionInfo, ConnectionStore, ConnectionSummary, CredentialsState, Frequency, NewConnection } from './store.js';
import { ALL_TABLES, CONNECTIONS, type Row } from './tables.js';

/** Every table with rows of a connection (all but the connections table itself). */
const SYNCED_TABLES = ALL_TABLES.filter((t) => t !== CONNECTIONS && t.columns.some((c) => c.name === 'connection_id'));

function toSummary(r: Row): ConnectionSummary {
  return {
    connectionId: String(r.connection_id),
    name: String(r.name),
    brand: String(r.brand) as Brand,
    baseUrl: String(r.base_url),
    loginId: String(r.login_id),
    accountName: String(r.account_name ?? ''),
    accountUsername: String(r.account_username ?? ''),
    timezone: String(r.timezone),
    frequency: String(r.frequency) as Frequency,
    createdAt: Number(r.created_at),
    baseCurrency: String(r.base_currency ?? 'USD'),
  };
}

export class SqlConnections implements ConnectionStore {
  constructor(
    private readonly ctx: StoreContext,
    private readonly secretKey: Uint8Array,
  ) {}

  private get db() {
    return this.ctx.db;
  }

  private select(): string {
    return `SELECT connection_id, name, brand, base_url, login_id, password_sealed, account_name, account_username, timezone, frequency, base_currency, ${this.db.sql.epochMs('created_at')} AS created_at FROM connections`;
  }

  async saveConnection(c: NewConnection): Promise<Connection> {
    return this.ctx.lock.run(async () => {
      const existing = await this.db.query('SELECT 1 AS x FROM connections WHERE name = $1', [c.name]);
      if (existing.length > 0) throw new InvalidInputError(`a connection named "${c.name}" already exists`, `Pick another name, or change that one (a new password, frequency, time zone, base currency) and keep its data: konduit connections update ${c.name}.`);
      const conn: Connection = { ...c, connectionId: randomUUID(), createdAt: Date.now(), baseCurrency: c.baseCurrency ?? 'USD' };
      await this.db.upsert(CONNECTIONS, [
        {
          connection_id: conn.connectionId,
          name: c.name,
          brand: c.brand,
          base_url: c.baseUrl,
          login_id: c.loginId,
          password_sealed: seal(c.password, this.secretKey),
          account_name: c.accountName,
          account_username: c.accountUsername,
          timezone: c.timezone,
          frequency: c.frequency,
          created_at: conn.createdAt,
          base_currency: conn.baseCurrency,
        },
      ]);
      return conn;
    });
  }

  async getConnection(name: string): Promise<Connection | null> {
    const rows = await this.ctx.lock.run(() => this.db.query(`${this.select()} WHERE name = $1`, [name]));
    const r = rows[0];
    if (!r) return null;
    return { ...toSummary(r), password: open(String(r.password_sealed), this.secretKey, String(r.name)) };
  }

  /** Whether the current key opens a sealed password. */
  private credentialsOf(r: Row): CredentialsState {
    try {
      open(String(r.password_sealed), this.secretKey);
      return 'ok';
    } catch (err) {
      if (err instanceof CredentialsUndecryptableError) return 'undecryptable';
      throw err;
    }
  }

  async connectionInfo(name: string): Promise<ConnectionInfo | null> {
    const rows = await this.ctx.lock.run(() => this.db.query(`${this.select()} WHERE name = $1`, [name]));
    const r = rows[0];
    return r ? { ...toSummary(r), credentials: this.credentialsOf(r) } : null;
  }

  async updateConnection(name: string, changes: ConnectionChanges): Promise<ConnectionInfo | null> {
    const set: [string, string][] = [];
    if (changes.password !== undefined) set.push(['password_sealed', seal(changes.password, this.secretKey)]);
    if (changes.frequency !== undefined) set.push(['frequency', changes.frequency]);
    if (changes.timezone !== undefined) set.push(['timezone', changes.timezone]);
    if (changes.baseCurrency !== undefined) set.push(['base_currency', changes.baseCurrency]);
    const found = await this.ctx.lock.run(async () => {
      const rows = await this.db.query('SELECT connection_id FROM connections WHERE name = $1', [name]);
      if (rows.length === 0) return false;
      if (set.length > 0) {
        await this.db.exec(`UPDATE connections SET ${set.map(([c], i) => `${c} = $${i + 1}`).join(', ')} WHERE name = $${set.length + 1}`, [...set.map(([, v]) => v), name]);
      }
      return true;
    });
    return found ? this.connectionInfo(name) : null;
  }

  async listConnections(): Promise<ConnectionSummary[]> {
    const rows = await this.ctx.lock.run(() => this.db.query(`${this.select()} ORDER BY name`));
    return rows.map(toSummary);
  }

  async removeConnection(name: string): Promise<boolean> {
    return this.ctx.lock.run(async () => {
      const rows = await this.db.query('SELECT connection_id FROM connections WHERE name = $1', [name]);
      const id = rows[0]?.connection_id;
      if (id === undefined || id === null) return false;
      await this.db.transaction(async () => {
        for (const t of SYNCED_TABLES) await this.db.exec(`DELETE FROM ${t.name} WHERE connection_id = $1`, [id]);
        await this.db.exec('DELETE FROM connections WHERE connection_id = $1', [id]);
      });
      return true;
    });
  }
}
