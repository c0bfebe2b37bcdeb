// A minimal typed-event emitter; on() returns the function that removes the listener.
export class Emitter {
  constructor() { this._handlers = new Map(); }

  on(event, fn) {
    let set = this._handlers.get(event);
    if (!set) this._handlers.set(event, (set = new Set()));
    set.add(fn);
    return () => set.delete(fn);
  }

  emit(event, ...args) {
    const set = this._handlers.get(event);
    if (!set) return;
    for (const fn of [...set]) fn(...args);
  }
}
