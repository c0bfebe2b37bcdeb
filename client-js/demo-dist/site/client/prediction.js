// Client-side prediction with server reconciliation: inputs the server has not yet applied
// (seq above the snapshot's `a`) are replayed over the authoritative state of the own entity.

/**
 * Predictor keeps the unacknowledged inputs and the predicted state of one entity.
 * applyInput(state, input) returns the state after input; it must not mutate state.
 *
 * Fields the authoritative state does not have (client-side bookkeeping that applyInput keeps
 * in the state, such as arenaStep's boost counters) are carried over at each reconcile from the
 * prediction for the last acknowledged input.
 */
export class Predictor {
  constructor(applyInput) {
    this.applyInput = applyInput;
    /** @type {Record<string, any>[]} inputs with seq, ascending */
    this.pending = [];
    /** @type {(Record<string, any> | null)[]} the predicted state after each pending input */
    this._after = [];
    /** @type {Record<string, any> | null} the state the last reconcile replayed from */
    this._base = null;
    /** @type {Record<string, any> | null} */
    this.state = null;
    this.reconciled = 0;
  }

  /** input records a sent input and applies it to the predicted state at once. */
  input(input) {
    this.pending.push(input);
    if (this.state) this.state = this.applyInput(this.state, input);
    this._after.push(this.state);
  }

  /**
   * reconcile takes the authoritative fields of the own entity after the server applied every
   * input up to seq `acked`, drops those, and replays the rest.
   */
  reconcile(authoritative, acked) {
    let i = 0;
    while (i < this.pending.length && this.pending[i].seq <= acked) i++;
    const acknowledged = (i && this._after[i - 1]) || this._base;
    if (i) {
      this.pending.splice(0, i);
      this._after.splice(0, i);
    }
    if (!authoritative) {
      this.state = this._base = null;
      this._after.fill(null);
      return null;
    }
    let s = { ...authoritative };
    if (acknowledged) {
      for (const k of Object.keys(acknowledged)) if (!Object.hasOwn(s, k)) s[k] = acknowledged[k];
    }
    this._base = s;
    for (let j = 0; j < this.pending.length; j++) {
      s = this.applyInput(s, this.pending[j]);
      this._after[j] = s;
    }
    this.state = s;
    this.reconciled++;
    return s;
  }
}
