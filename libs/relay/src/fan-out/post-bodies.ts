import { DataSource } from 'typeorm';
import { MaintainerLookup } from '@cordon/maintainers';
import { ArmoredBody } from './armor';
import { CopyOfPost } from './copy';

/** Bytes of armored bodies kept between copies: a few large posts, or many small ones. */
export const BODY_CACHE_BYTES = 64 * 1024 * 1024;

interface PostRow {
  body_packets: Buffer;
  created_at: Date;
  maintainer_id: string;
}

/**
 * The posts being delivered, each loaded and armored once however many copies it has: a bounded,
 * least-recently-used map. The newest post always stays, even above the budget.
 */
export class PostBodies {
  /** Post id → its loading or loaded body; least recently used first. */
  private readonly entries = new Map<string, { loading: Promise<CopyOfPost>; post?: CopyOfPost }>();
  private readonly maintainers = new MaintainerLookup();

  constructor(
    private readonly dataSource: DataSource,
    private readonly budget = BODY_CACHE_BYTES,
  ) {}

  get(postId: string): Promise<CopyOfPost> {
    const cached = this.entries.get(postId);
    if (cached) {
      this.entries.delete(postId);
      this.entries.set(postId, cached);
      return cached.loading;
    }
    const entry: { loading: Promise<CopyOfPost>; post?: CopyOfPost } = { loading: this.load(postId) };
    this.entries.set(postId, entry);
    entry.loading.then(
      (post) => {
        entry.post = post;
        this.evictBeyondBudget(postId);
      },
      // A failed load is forgotten, so that the next copy tries again (after its retry delay).
      () => {
        if (this.entries.get(postId) === entry) this.entries.delete(postId);
      },
    );
    return entry.loading;
  }

  private async load(postId: string): Promise<CopyOfPost> {
    // Outside any transaction, on purpose: this flow holds none, and must not hold one while it
    // waits for the network (the embedded database has one connection).
    const rows = (await this.dataSource.query(
      'SELECT body_packets, created_at, maintainer_id FROM post WHERE id = $1',
      [postId],
    )) as PostRow[];
    if (rows.length === 0) throw new Error(`post ${postId} not found`);
    const [row] = rows;
    // The sender's name, from the maintainers lib (docs/architecture.md, Layout: the owner of a table answers for it).
    const sender = await this.maintainers.byIds(this.dataSource.manager, [row.maintainer_id]);
    return {
      body: new ArmoredBody(Buffer.from(row.body_packets)),
      date: new Date(row.created_at),
      maintainerName: sender.get(row.maintainer_id)?.name ?? null,
    };
  }

  /** Drops the least recently used loaded bodies while over budget; never `keep`. */
  private evictBeyondBudget(keep: string): void {
    let total = 0;
    for (const entry of this.entries.values()) total += entry.post?.body.size ?? 0;
    for (const [id, entry] of this.entries) {
      if (total <= this.budget) break;
      if (id === keep || !entry.post) continue;
      total -= entry.post.body.size;
      this.entries.delete(id);
    }
  }
}
