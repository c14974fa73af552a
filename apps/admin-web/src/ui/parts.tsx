import type { ComponentChildren } from 'preact';
import { errorMessage } from '../api/client';
import { toast } from './toasts';

/** A time in the browser's locale, the exact instant on hover (and to screen readers). */
export function Time({ value, never = 'Never' }: { value?: string | null; never?: string }) {
  if (!value) return <>{never}</>;
  const date = new Date(value);
  return (
    <time dateTime={value} title={date.toISOString()}>
      {date.toLocaleString()}
    </time>
  );
}

export const formatTime = (value?: string | null): string =>
  value ? new Date(value).toLocaleString() : 'Never';

async function copy(text: string, what: string) {
  try {
    await navigator.clipboard.writeText(text);
    toast(`${what} copied`);
  } catch {
    toast(`Could not copy the ${what.toLowerCase()}: select it and copy by hand`, 'error');
  }
}

/** A value with a Copy button beside it (tokens, URLs). */
export function Copyable({ label, value }: { label: string; value: string }) {
  return (
    <div class="copyable">
      <code>{value}</code>
      <button type="button" aria-label={`Copy ${label}`} onClick={() => copy(value, label)}>
        Copy
      </button>
    </div>
  );
}

export function ErrorBox({ error }: { error: unknown }) {
  return (
    <div class="error-box" role="alert">
      {errorMessage(error)}
    </div>
  );
}

export const Loading = () => (
  <p class="empty" role="status">
    Loading…
  </p>
);

export const Empty = ({ children }: { children: ComponentChildren }) => (
  <p class="empty">{children}</p>
);

/** A section of a page: a card with its heading, labelled by it. */
export function Card(props: { id: string; title: string; children: ComponentChildren }) {
  return (
    <section class="card" aria-labelledby={`${props.id}-title`}>
      <h2 id={`${props.id}-title`}>{props.title}</h2>
      {props.children}
    </section>
  );
}
