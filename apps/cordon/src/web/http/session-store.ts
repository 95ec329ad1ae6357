import { SessionData, Store } from 'express-session';
import { DataSource } from 'typeorm';

/**
 * express-session's store on our own database (table web_session), so sessions survive restarts
 * and work on both the embedded database and PostgreSQL without a second connection pool.
 */
export class DatabaseSessionStore extends Store {
  constructor(
    private readonly dataSource: DataSource,
    private readonly ttlMs: number,
  ) {
    super();
  }

  override get(sid: string, callback: (err: unknown, session?: SessionData | null) => void): void {
    this.dataSource
      .query('SELECT data FROM web_session WHERE sid = $1 AND expires_at > now()', [sid])
      .then((rows: { data: SessionData }[]) => callback(null, rows[0]?.data ?? null), callback);
  }

  override set(sid: string, session: SessionData, callback?: (err?: unknown) => void): void {
    const expires = new Date(Date.now() + this.ttlMs);
    this.dataSource
      .query(
        `INSERT INTO web_session (sid, data, expires_at) VALUES ($1, $2, $3)
         ON CONFLICT (sid) DO UPDATE SET data = EXCLUDED.data, expires_at = EXCLUDED.expires_at`,
        [sid, JSON.stringify(session), expires],
      )
      .then(
        () => callback?.(),
        (err: unknown) => callback?.(err),
      );
  }

  override destroy(sid: string, callback?: (err?: unknown) => void): void {
    this.dataSource.query('DELETE FROM web_session WHERE sid = $1', [sid]).then(
      () => callback?.(),
      (err: unknown) => callback?.(err),
    );
  }

  override touch(sid: string, _session: SessionData, callback?: () => void): void {
    const expires = new Date(Date.now() + this.ttlMs);
    this.dataSource.query('UPDATE web_session SET expires_at = $2 WHERE sid = $1', [sid, expires]).then(
      () => callback?.(),
      () => callback?.(),
    );
  }

  /** Removes expired sessions; called now and then by the web app. */
  async prune(): Promise<void> {
    await this.dataSource.query('DELETE FROM web_session WHERE expires_at <= now()');
  }
}
