import { useState } from 'preact/hooks';

/**
 * Keyset pages: the cursors of the pages behind the current one, so Previous goes back
 * without offsets (an offset walks every row before it; a cursor reads from the index).
 */
export function useCursor() {
  const [stack, setStack] = useState<string[]>([]);
  return {
    cursor: stack[stack.length - 1] as string | undefined,
    page: stack.length + 1,
    next: (cursor: string) => setStack([...stack, cursor]),
    previous: () => setStack(stack.slice(0, -1)),
    reset: () => setStack([]),
  };
}

export function Pager(props: {
  label: string;
  cursor: ReturnType<typeof useCursor>;
  next: string | null | undefined;
}) {
  const { cursor, next } = props;
  if (cursor.page === 1 && !next) return null;
  return (
    <nav class="pager" aria-label={`${props.label} pages`}>
      <button type="button" disabled={cursor.page === 1} onClick={cursor.previous}>
        Previous
      </button>
      <span>Page {cursor.page}</span>
      <button type="button" disabled={!next} onClick={() => next && cursor.next(next)}>
        Next
      </button>
    </nav>
  );
}
