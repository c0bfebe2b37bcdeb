// Client-side prediction with server reconciliation: inputs the server has not yet applied
// (seq above the snapshot's `a`) are replayed over the authoritative state of the own entity.

/**
 * Predictor keeps the unacknowledged inputs and the predicted state of one entity.
 * applyInput(state, input) returns the state after input; it must not mutate state.
 */
export class Predictor {
  constructor(applyInput) {
    this.applyInput = applyInput;
    /** @type {Record<string, any>[]} inputs with seq, ascending */
    this.pending = [];
    /** @type {Record<string, any> | null} */
    this.state = null;
    this.reconciled = 0;
  }

  /** input records a sent input and applies it to the predicted state at once. */
  input(input) {
    this.pending.push(input);
    if (this.state) this.state = this.applyInput(this.state, input);
  }

  /**
   * reconcile takes the authoritative fields of the own entity after the server applied every
   * input up to seq `acked`, drops those, and replays the rest.
   */
  reconcile(authoritative, acked) {
    let i = 0;
    while (i < this.pending.length && this.pending[i].seq <= acked) i++;
    if (i) this.pending.splice(0, i);
    if (!authoritative) {
      this.state = null;
      return null;
    }
    let s = { ...authoritative };
    for (const inp of this.pending) s = this.applyInput(s, inp);
    this.state = s;
    this.reconciled++;
    return s;
  }
}
