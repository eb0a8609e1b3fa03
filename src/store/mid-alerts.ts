/**
 * MID alert rules (MidAlertStore, docs/metrics.md "MID health"): per connection, a MID's own rule or the
 * connection's default ("*"); a rule is replaced by the next one set for the same MID. Removing the
 * connection removes its rules (connections.ts removes every table keyed by connection_id).
 */
import type { StoreContext } from './driver.js';
import type { MidAlertRuleRow, MidAlertStore } from './store.js';
import { MID_ALERT_RULES } from './tables.js';

export class SqlMidAlerts implements MidAlertStore {
  constructor(private readonly ctx: StoreContext) {}

  async midAlertRules(connectionId?: string): Promise<MidAlertRuleRow[]> {
    return this.ctx.lock.run(async () => {
      const db = this.ctx.db;
      const rows = await db.query(
        `SELECT connection_id, mid, metric, threshold_ppm, min_count, ${db.sql.epochMs('updated_at')} AS updated_at FROM mid_alert_rules
         ${connectionId === undefined ? '' : 'WHERE connection_id = $1'} ORDER BY connection_id, mid`,
        connectionId === undefined ? [] : [connectionId],
      );
      return rows.map((r) => ({
        connectionId: String(r.connection_id),
        mid: String(r.mid),
        metric: String(r.metric) as MidAlertRuleRow['metric'],
        thresholdPpm: Number(r.threshold_ppm),
        minCount: Number(r.min_count),
        updatedAt: Number(r.updated_at),
      }));
    });
  }

  async setMidAlertRule(rule: Omit<MidAlertRuleRow, 'updatedAt'>): Promise<void> {
    await this.ctx.lock.run(() =>
      this.ctx.db.upsert(MID_ALERT_RULES, [
        { connection_id: rule.connectionId, mid: rule.mid, metric: rule.metric, threshold_ppm: rule.thresholdPpm, min_count: rule.minCount, updated_at: Date.now() },
      ]),
    );
  }

  async removeMidAlertRule(connectionId: string, mid: string): Promise<boolean> {
    return this.ctx.lock.run(async () => {
      const found = await this.ctx.db.query('SELECT 1 AS x FROM mid_alert_rules WHERE connection_id = $1 AND mid = $2', [connectionId, mid]);
      if (found.length === 0) return false;
      await this.ctx.db.exec('DELETE FROM mid_alert_rules WHERE connection_id = $1 AND mid = $2', [connectionId, mid]);
      return true;
    });
  }
}
