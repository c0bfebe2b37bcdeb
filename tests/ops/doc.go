// Package ops tests how tickroom is operated, end to end with the gameserver binary and real
// clients (docs/operations.md): the metrics a scrape shows before and after a real arena
// session over the npm socket.io-client, the drain on SIGTERM with readiness, refusals, joins
// into running rooms and room:closed at the deadline, and the deployment files under
// docs/deploy (they parse, and every metric they name is one a live server exports).
//
// It sits outside the data flow: it starts servers, drives clients and reads /metrics.
package ops
