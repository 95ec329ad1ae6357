import { Controller, Get, Header } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import { collectDefaultMetrics, Gauge, Registry } from 'prom-client';
import { DataSource } from 'typeorm';

/**
 * Prometheus metrics. The gauges are read from the database at scrape time, so they are right
 * whichever process made the change (several copies may run against one PostgreSQL).
 */
@ApiExcludeController()
@Controller()
export class MetricsController {
  private readonly registry = new Registry();

  constructor(dataSource: DataSource) {
    collectDefaultMetrics({ register: this.registry, prefix: 'cordon_' });
    const countBy = (name: string, help: string, sql: string) =>
      new Gauge({
        name,
        help,
        labelNames: ['status'],
        registers: [this.registry],
        async collect() {
          this.reset();
          const rows = (await dataSource.query(sql)) as { status: string; n: string }[];
          for (const row of rows) this.set({ status: row.status }, Number(row.n));
        },
      });
    countBy(
      'cordon_applications',
      'Membership applications by status',
      'SELECT status, count(*) AS n FROM application GROUP BY status',
    );
    countBy('cordon_members', 'Members by status', 'SELECT status, count(*) AS n FROM member GROUP BY status');
    countBy(
      'cordon_outbound_messages',
      'Outgoing messages by status',
      'SELECT status, count(*) AS n FROM outbound_message GROUP BY status',
    );
    new Gauge({
      name: 'cordon_outbound_oldest_pending_seconds',
      help: 'Age of the oldest outgoing message not yet delivered',
      registers: [this.registry],
      async collect() {
        const rows = (await dataSource.query(
          `SELECT coalesce(extract(epoch FROM now() - min(created_at)), 0) AS age FROM outbound_message WHERE status = 'pending'`,
        )) as { age: string }[];
        this.set(Number(rows[0]?.age ?? 0));
      },
    });
  }

  @Get('metrics')
  @Header('Content-Type', 'text/plain; version=0.0.4; charset=utf-8')
  async metrics(): Promise<string> {
    return this.registry.metrics();
  }
}
