// Command gamebot runs headless bots against a tickroom gameserver: to fill
// rooms while testing a game, to soak a deployment, and to measure what
// players experience at a given load. It plays any mode: what it knows of a
// mode it reads from the mode's schema in each Joined.
//
// It sits at the client end of the data flow (design.md, "One input, one
// snapshot"): each bot is one netio/client connection that takes a seat
// (room:quickjoin, or room:create / room:join by code for private rooms),
// builds a game.Mirror of the schema its Joined carries
// (docs/protocol.md, "RoomInfo, PlayerInfo, Joined"), applies every
// snapshot to it exactly as client-js does, checks the view hash h of every
// snapshot that has one, and sends input {seq, ...} at a fixed rate.
//
// # Inputs
//
// The input's fields are the ones the schema declares (Joined.schema.inputs:
// a float or int in [min, max], or a bool), and --behaviour says how a bot
// fills them in:
//   - strategy (the default; seek is its former name): the mode's own
//     strategy, or wander for a mode without one;
//   - wander: every input drawn anew within its declared range about once a
//     second;
//   - idle: every number at the point of its range nearest 0, bools false.
//
// A mode's strategy is Go code in this package: a newStrategy, listed under
// the mode's name in modeStrategies (strategy.go). It gets the schema at
// each join, looks up the kinds, fields and inputs it uses by name (or
// fails the bot with STRATEGY when the schema lacks them), and then makes
// each input from the bot's mirror. The arena's (arena.go) steers to the
// nearest orb it sees.
//
// # Rooms
//
// With --rooms quickjoin the server picks the rooms; a room starts when the
// mode's minimum of players is seated, and a bot whose match ends leaves at
// the results and quickjoins again. With --rooms private the bots go in
// groups of --room-size: the first creates a private room, the others join
// it by code, and the first starts it once they all have, so a mode that
// needs several players starts without gamebot knowing how many; a group
// too small gets the server's BAD_REQUEST in the report. Private rooms are
// made once: their bots stop when the match ends.
//
// # Clusters
//
// With --urls a,b,c the bots are spread over several servers, the nodes of
// a cluster (docs/cluster.md): bot i connects to the i-th URL modulo their
// number. A node that does not hold a seat answers the seat request with a
// Joined carrying url, the owner's origin; the bot then does what a client
// does: it connects there with the same options, makes that its one
// connection (closing the first), and sends room:rejoin with the Joined's
// token, whose ack seats it. The report counts the bots that moved and how
// long each move took (from the Joined with url to the owner's); a move
// that fails (the owner unreachable, its rejoin refused) is an error under
// op "move". /stats is read from every URL and summed.
//
// # Measurements
//
// Per bot and aggregated over all bots:
//   - input-to-acknowledgement latency: from an input's send to the arrival
//     of the first snapshot whose a is at or above its seq (p50/p90/p99/max);
//   - snapshot rate, inter-arrival jitter, and the longest gap a seated bot
//     had between snapshots (the end of the run included);
//   - bytes per second down (snapshot arguments plus the Socket.IO msgpack
//     packet and WebSocket frame header around each, computed, not
//     measured) and up (inputs, encoded the same way);
//   - desyncs (hash mismatches) and bad snapshots (not decoded, out of
//     order, not applied);
//   - errors, each with what the bot was doing, its code and its message:
//     the server's code (BAD_REQUEST, UNKNOWN_MODE, ..., and notices) or
//     gamebot's own for what the bot saw (APPLY, BAD_SCHEMA, TIMEOUT, ...,
//     failure.go), and disconnects by reason;
//   - connect and join times (a join's time includes its move), the bots
//     that moved to another node and the moves' times; when the server has
//     /stats, its own counters over the run.
//
// # Exit status
//
// A status line goes to stderr once a second; at the end a summary table
// (or with --json the report) goes to stdout. The run is bounded: at
// --duration after the start every bot stops and the process exits: 0 only
// when every threshold is met, 1 when one is broken or no bot joined, 2 on a
// usage error. The thresholds are on by default and each can be turned off:
// --max-errors 0 (errors plus unexpected disconnects; -1: off),
// --max-desyncs 0 (-1: off), --max-bad-snapshots 0 (-1: off),
// --max-snapshot-gap 3s (0: off); --max-p99 and --max-overruns (the
// server's tick overruns, from /stats) are off unless given.
//
// Examples:
//
//	gamebot --url http://localhost:8080 --bots 500 --mode arena --duration 60s
//	gamebot --url http://localhost:8080 --bots 40 --mode tag --rooms private --room-size 4 --behaviour wander
//	gamebot --urls https://eu1.example.com,https://eu2.example.com,https://eu3.example.com --bots 300
package main
