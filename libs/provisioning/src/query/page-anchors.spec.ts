import { PageAnchors } from './page-anchors';

describe('PageAnchors', () => {
  it('remembers a page start per scope and query, and forgets a scope on a write', () => {
    const anchors = new PageAnchors();
    anchors.set('co-a', 'q', 101, 'k100', 'id100');
    expect(anchors.get('co-a', 'q', 101)).toEqual({ value: 'k100', id: 'id100' });
    expect(anchors.get('co-a', 'other', 101)).toBeUndefined();
    expect(anchors.get('co-b', 'q', 101)).toBeUndefined();
    anchors.invalidate('co-b');
    expect(anchors.get('co-a', 'q', 101)).toBeDefined();
    anchors.invalidate('co-a');
    expect(anchors.get('co-a', 'q', 101)).toBeUndefined();
    anchors.set('co-a', 'q', 101, 'k', 'i');
    expect(anchors.get('co-a', 'q', 101)).toEqual({ value: 'k', id: 'i' });
  });

  it('keeps at most its capacity, dropping the least recently used', () => {
    const anchors = new PageAnchors(2);
    anchors.set('s', 'q', 1, 1, 'a');
    anchors.set('s', 'q', 2, 2, 'b');
    anchors.get('s', 'q', 1);
    anchors.set('s', 'q', 3, 3, 'c');
    expect(anchors.get('s', 'q', 2)).toBeUndefined();
    expect(anchors.get('s', 'q', 1)).toBeDefined();
    expect(anchors.get('s', 'q', 3)).toBeDefined();
  });
});
