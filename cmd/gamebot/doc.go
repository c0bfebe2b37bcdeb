// Command gamebot runs headless bots against a tickroom gameserver: to fill
// rooms while testing a game, to soak a deployment, and to measure what
// players experience at a given load.
//
// It sits at the client end of the data flow (design.md, "One input, one
// snapshot"): each bot is one netio/client connection that joins a room
// (room:quickjoin, or room:create / room:join by code for private rooms),
// applies every snapshot to a game.Mirror exactly as client-js does, checks
// the view hash h when the server sends it, and sends arena input
// {seq, x, y, boost} at a fixed rate, steered by a behaviour (idle, wander,
// or seek the nearest orb it can see).
//
// What it measures, per bot and aggregated over all bots:
//   - input-to-acknowledgement latency: from an input's send to the arrival
//     of the first snapshot whose a is at or above its seq (p50/p90/p99/max);
//   - snapshot rate and inter-arrival jitter;
//   - bytes per second down (snapshot arguments plus the Socket.IO msgpack
//     packet and WebSocket frame header around each, computed, not
//     measured) and up (inputs, encoded the same way);
//   - desyncs (hash mismatches), errors and disconnects by reason;
//   - connect and join times.
//
// A status line goes to stderr once a second; at the end a summary table
// (or with --json the report) goes to stdout. The run is bounded: at
// --duration after the start every bot stops and the process exits, with
// status 1 when a threshold (--max-p99, --max-desyncs, --max-errors) is
// broken, 2 on a usage error.
//
// Example:
//
//	gamebot --url http://localhost:8080 --bots 500 --mode arena --room-size 10 --duration 60s
package main
