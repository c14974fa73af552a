import { useCallback, useEffect, useRef, useState } from 'preact/hooks';

type Result<T> =
  { state: 'loading' } | { state: 'error'; error: unknown } | { state: 'ok'; data: T };

export type Load<T> = Result<T> & { reload: () => void };

/**
 * Loads what a view shows, again whenever a key changes. An answer that arrives after a newer
 * load began is dropped (a company chosen while the first one's page loaded must not show the
 * first one's data).
 */
export function useLoad<T>(load: () => Promise<T>, keys: unknown[]): Load<T> {
  const [result, setResult] = useState<Result<T>>({ state: 'loading' });
  const generation = useRef(0);
  const run = useCallback(() => {
    const mine = ++generation.current;
    load().then(
      (data) => mine === generation.current && setResult({ state: 'ok', data }),
      (error: unknown) => mine === generation.current && setResult({ state: 'error', error }),
    );
  }, keys);
  useEffect(() => {
    setResult({ state: 'loading' });
    run();
    return () => void ++generation.current;
  }, [run]);
  return { ...result, reload: run };
}
