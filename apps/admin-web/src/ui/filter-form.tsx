import type { ComponentChildren } from 'preact';
import { useState } from 'preact/hooks';

/**
 * A view's filters: edited locally, applied on submit (Enter or the button), so a page is
 * loaded per search, not per keystroke.
 */
export function FilterForm<T extends Record<string, string>>(props: {
  label: string;
  search?: boolean;
  values: T;
  onApply: (values: T) => void;
  children: (values: T, set: (name: keyof T) => (event: Event) => void) => ComponentChildren;
}) {
  const [values, setValues] = useState(props.values);
  const set = (name: keyof T) => (event: Event) =>
    setValues({ ...values, [name]: (event.currentTarget as HTMLInputElement).value });
  return (
    <form
      class="filters card"
      role={props.search ? 'search' : undefined}
      aria-label={props.label}
      onSubmit={(event) => {
        event.preventDefault();
        props.onApply(values);
      }}
    >
      {props.children(values, set)}
    </form>
  );
}
