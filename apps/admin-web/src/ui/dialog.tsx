import type { ComponentChildren } from 'preact';
import { useEffect, useRef } from 'preact/hooks';
import { Store } from './store';

interface DialogRequest {
  title: string;
  body: ComponentChildren;
  /** The confirming button's words; without one the dialog only informs (Close). */
  confirm?: string;
  danger?: boolean;
  resolve: (confirmed: boolean) => void;
}

const open = new Store<DialogRequest | null>(null);

/**
 * A modal dialog (the browser's own <dialog>: focus moves in, Escape closes, the page behind is
 * inert); resolves true when confirmed. What it showed (a new token) leaves the page on close.
 */
export function openDialog(
  title: string,
  body: ComponentChildren,
  options: { confirm?: string; danger?: boolean } = {},
): Promise<boolean> {
  open.get()?.resolve(false);
  return new Promise((resolve) => open.set({ title, body, ...options, resolve }));
}

export function DialogHost() {
  const request = open.use();
  const element = useRef<HTMLDialogElement>(null);
  useEffect(() => {
    const dialog = element.current;
    if (request && dialog && !dialog.open) dialog.showModal();
  }, [request]);
  const close = (confirmed: boolean) => {
    element.current?.close();
    request?.resolve(confirmed);
    open.set(null);
  };
  return (
    <dialog
      id="dialog"
      ref={element}
      aria-labelledby="dialog-title"
      onClose={() => open.get() && close(false)}
    >
      {request && (
        <>
          <h2 id="dialog-title">{request.title}</h2>
          {request.body}
          <div class="actions dialog-actions">
            <button type="button" onClick={() => close(false)}>
              {request.confirm ? 'Cancel' : 'Close'}
            </button>
            {request.confirm && (
              <button
                type="button"
                class={request.danger ? 'danger' : 'primary'}
                onClick={() => close(true)}
              >
                {request.confirm}
              </button>
            )}
          </div>
        </>
      )}
    </dialog>
  );
}
