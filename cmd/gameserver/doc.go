// Command gameserver is the tickroom binary: configuration from flags and
// environment (every flag also as TICKROOM_<NAME>), the arena mode, the demo
// page, the "LISTEN <url>" line on stdout, and SIGINT/SIGTERM as the start of
// a graceful shutdown. It is a thin main over package tickroom (the module
// root), which serves Socket.IO, /healthz and /stats and shuts down; the
// protocol lives in netio/, the runtime in rooms/.
package main
