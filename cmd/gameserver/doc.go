// Command gameserver is the tickroom binary: configuration from flags and
// environment (every flag also as TICKROOM_<NAME>; the secrets
// TICKROOM_TOKEN_SECRET and TICKROOM_ADMIN_TOKEN from the environment only),
// the bundled modes, the demo page, the "ADMIN <url>" and "LISTEN <url>"
// lines on stdout, and signals: the first SIGTERM or SIGINT drains (new
// rooms are refused, running ones end as they would, the rest close at
// -drain-timeout), a second one closes the rooms at once. `-probe /readyz`
// makes it a probe of a running server's admin listener instead, for
// Kubernetes exec probes. It is a thin main over package server
// (rooms/server), which serves Socket.IO, /healthz and /stats, the admin
// listener, and drains and shuts down; docs/operations.md has every flag;
// the protocol lives in netio/, the runtime in rooms/.
package main
