// Runs tests/node/interop/reference-server.mjs on the port in $PORT instead of a random one,
// so a Go test can kill the npm socket.io server and start it again on the same address
// (the reconnection scenario of tests/clientinterop).
// Usage: PORT=41234 node clientinterop/fixed-port-server.mjs msgpack|text
import http from "node:http";

const port = Number(process.env.PORT ?? 0);
const listen = http.Server.prototype.listen;
http.Server.prototype.listen = function (p, ...rest) {
  return listen.call(this, p === 0 ? port : p, ...rest);
};
await import("../interop/reference-server.mjs");
