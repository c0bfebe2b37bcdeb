// Typed errors: every failed request rejects with a TickroomError whose code is one of the
// contract's codes (ROOM_FULL ...) or a client-side one (TIMEOUT, CONNECT_FAILED, DISCONNECTED).

/** TickroomError is what every failed client call rejects with. */
export class TickroomError extends Error {
  /**
   * @param {string} code a contract code such as "ROOM_FULL", or a client-side one
   * @param {string} message
   */
  constructor(code, message) {
    super(message || code);
    this.name = "TickroomError";
    this.code = code;
  }
}

/** The error codes of the game protocol contract (docs/protocol.md, rooms/lobby/errors.go). */
export const ErrorCodes = Object.freeze([
  "BAD_REQUEST", "UNKNOWN_MODE", "ROOM_NOT_FOUND", "ROOM_FULL", "ROOM_LOCKED", "WRONG_PASSWORD",
  "ALREADY_IN_ROOM", "NOT_IN_ROOM", "NOT_HOST", "SEAT_EXPIRED", "RATE_LIMITED", "UNAUTHORIZED", "INTERNAL",
  "REFUSED", "UNAVAILABLE",
]);

/** The codes the client makes itself, for failures that never got an answer. */
export const ClientErrorCodes = Object.freeze(["TIMEOUT", "CONNECT_FAILED", "DISCONNECTED"]);
