import { Store } from './store';

interface Toast {
  id: number;
  message: string;
  kind: 'ok' | 'error';
}

const toasts = new Store<Toast[]>([]);
let nextId = 0;

/** A short message in the corner, read out by screen readers, gone after five seconds. */
export function toast(message: string, kind: Toast['kind'] = 'ok'): void {
  const item = { id: ++nextId, message, kind };
  toasts.set([...toasts.get(), item]);
  setTimeout(() => toasts.set(toasts.get().filter((other) => other !== item)), 5000);
}

export function Toasts() {
  const items = toasts.use();
  return (
    <div id="toasts" class="toasts" role="status" aria-live="polite">
      {items.map((item) => (
        <div key={item.id} class={`toast ${item.kind === 'error' ? 'error' : ''}`}>
          {item.message}
        </div>
      ))}
    </div>
  );
}
