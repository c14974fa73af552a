import { useEffect, useState } from 'preact/hooks';

/** A value components subscribe to (the toasts, the open dialog): module state, no context. */
export class Store<T> {
  private readonly listeners = new Set<(value: T) => void>();
  constructor(private value: T) {}

  get(): T {
    return this.value;
  }

  set(value: T): void {
    this.value = value;
    for (const listener of this.listeners) listener(value);
  }

  use(): T {
    const [value, setValue] = useState(this.value);
    useEffect(() => {
      this.listeners.add(setValue);
      setValue(this.value);
      return () => void this.listeners.delete(setValue);
    }, []);
    return value;
  }
}
