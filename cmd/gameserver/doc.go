// Command gameserver is the tickroom binary: configuration from flags and
// environment, the HTTP mux (Socket.IO at /socket.io/, the demo page at /,
// health at /healthz), signals and graceful shutdown. It is thin: the
// protocol lives in netio/, the runtime in rooms/.
package main
