/**
 * Where index pages start, remembered per query: "the row before startIndex N has sort value V
 * and id I". A page whose start is known is read by keyset (WHERE (sort, id) > (V, I)), so its
 * cost does not grow with startIndex; IdPs page sequentially, so each page leaves the anchor of
 * the next. Anchors are an optimisation, kept per process and dropped on any write to the
 * company seen here; RFC 7644 §3.4.2.4 already lets results shift between page requests when
 * resources change, which is all a stale anchor (a write on another instance) can cause.
 */
export class PageAnchors {
  private readonly anchors = new Map<
    string,
    { generation: number; value: string | number; id: string }
  >();
  private readonly generations = new Map<string, number>();

  constructor(private readonly capacity = 10_000) {}

  private key(scope: string, query: string, startIndex: number) {
    return `${scope}\u0000${query}\u0000${startIndex}`;
  }

  get(
    scope: string,
    query: string,
    startIndex: number,
  ): { value: string | number; id: string } | undefined {
    const key = this.key(scope, query, startIndex);
    const anchor = this.anchors.get(key);
    if (!anchor) return undefined;
    if (anchor.generation !== (this.generations.get(scope) ?? 0)) {
      this.anchors.delete(key);
      return undefined;
    }
    // Refresh recency (Map keeps insertion order: the oldest entries go first when full).
    this.anchors.delete(key);
    this.anchors.set(key, anchor);
    return { value: anchor.value, id: anchor.id };
  }

  set(scope: string, query: string, startIndex: number, value: string | number, id: string): void {
    const key = this.key(scope, query, startIndex);
    this.anchors.delete(key);
    this.anchors.set(key, { generation: this.generations.get(scope) ?? 0, value, id });
    if (this.anchors.size > this.capacity) this.anchors.delete(this.anchors.keys().next().value!);
  }

  /** A write happened in this scope: every anchor of it may be off by some rows now. */
  invalidate(scope: string): void {
    this.generations.set(scope, (this.generations.get(scope) ?? 0) + 1);
  }
}
