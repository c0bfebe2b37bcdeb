// @tickroom/client: the JS client for tickroom game servers.
export { connect, Client, RoomWatch } from "./client.js";
export { Room } from "./room.js";
export { TickroomError, ErrorCodes, ClientErrorCodes } from "./errors.js";
export { Mirror, BadSectionError, compileSchema } from "./mirror.js";
export { Interpolator, ClockSync } from "./interpolation.js";
export { Predictor } from "./prediction.js";
export { arenaStep, arenaInput, arenaRules } from "./arena.js";
export { bundledSchemas } from "./schemas.js";
