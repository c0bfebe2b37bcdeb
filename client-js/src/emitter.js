// A minimal typed-event emitter; on() returns the function that removes the listener.
export class Emitter {
  constructor() { this._handlers = new Map(); }

  on(event, fn) {
    if (typeof fn !== "function") throw new TypeError(`tickroom: the listener for ${event} is not a function`);
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

  /** has reports whether event has a listener. */
  has(event) {
    const set = this._handlers.get(event);
    return set !== undefined && set.size > 0;
  }

  /** removeAll drops every listener of every event. */
  removeAll() { this._handlers.clear(); }
}
