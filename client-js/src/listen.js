// Per-field listeners: entity.listen(field, fn) and room.listen(global, fn) call fn(value,
// previous) when that field changes. The listeners live on the object listened to, under a
// symbol and not enumerable, so entities stay plain {id, kind, fields} records to the eye and
// to deep equality; the Room calls notify() after it applied a snapshot.

const LISTENERS = Symbol("tickroom.listeners");

/**
 * addListener registers fn for field of target (whose values are in `values`), and, unless
 * opts.immediate is false, calls it at once with the current value and no previous one, so that
 * a listener registered late still sees the state. It returns the function that removes it.
 */
export function addListener(target, values, field, fn, opts) {
  if (typeof field !== "string" || !Object.hasOwn(values, field)) {
    throw new TypeError(`tickroom: listen: no field ${String(field)} (fields: ${Object.keys(values).join(", ")})`);
  }
  if (typeof fn !== "function") throw new TypeError("tickroom: listen: the listener is not a function");
  let byField = target[LISTENERS];
  if (!byField) {
    byField = new Map();
    Object.defineProperty(target, LISTENERS, { value: byField, configurable: true });
  }
  let set = byField.get(field);
  if (!set) byField.set(field, (set = new Set()));
  set.add(fn);
  if (!opts || opts.immediate !== false) fn(values[field], undefined);
  return () => set.delete(fn);
}

/** notify calls the listeners of each changed field with its value and its previous value. */
export function notify(target, values, names, previous) {
  const byField = target[LISTENERS];
  if (!byField) return;
  for (const name of names) {
    const set = byField.get(name);
    if (!set) continue;
    for (const fn of [...set]) fn(values[name], previous[name]);
  }
}

/** dropListeners removes every field listener of target. */
export function dropListeners(target) {
  if (target[LISTENERS]) target[LISTENERS].clear();
}

// entityListen is every mirrored entity's listen(field, fn, opts?) method.
function entityListen(field, fn, opts) { return addListener(this, this.fields, field, fn, opts); }

/** withListen gives an entity record its listen() method, not enumerable. */
export function withListen(entity) {
  Object.defineProperty(entity, "listen", { value: entityListen, configurable: true });
  return entity;
}
