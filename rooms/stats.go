package rooms

import (
	"context"
	"sync/atomic"
	"time"

	"github.com/tickroom/tickroom/game"
)

// Stats are a room's counters since it was made. Read them with Room.Stats
// from any goroutine.
type Stats struct {
	Ticks        uint64 `json:"ticks"`        // steps run
	CatchUpSteps uint64 `json:"catchUpSteps"` // steps run late, after a stall, beyond one per timer wake-up
	Overruns     uint64 `json:"overruns"`     // due steps dropped because a stall went beyond MaxCatchUp

	InputsApplied     uint64 `json:"inputsApplied"`     // inputs passed to Game.Input
	InputsStale       uint64 `json:"inputsStale"`       // seq below the last applied one
	InputsDuplicate   uint64 `json:"inputsDuplicate"`   // seq equal to the last applied one or to another in the same tick
	InputsQueueFull   uint64 `json:"inputsQueueFull"`   // oldest inputs pushed out of a full queue
	InputsRateLimited uint64 `json:"inputsRateLimited"` // over the token bucket
	InputsMalformed   uint64 `json:"inputsMalformed"`   // bad seq or rejected by Game.DecodeInput
	Floods            uint64 `json:"floods"`            // players disconnected for flooding

	Snapshots          uint64 `json:"snapshots"`          // snapshot boundaries
	SnapshotsOffered   uint64 `json:"snapshotsOffered"`   // packets handed to peers
	SnapshotsWritten   uint64 `json:"snapshotsWritten"`   // packets peers reported written; the rest were replaced, dropped or are in flight
	FullSnapshots      uint64 `json:"fullSnapshots"`      // packets with b = 0
	SectionEncodes     uint64 `json:"sectionEncodes"`     // World.AppendDelta calls: one per group sharing baseline and view
	SnapshotBytes      uint64 `json:"snapshotBytes"`      // bytes of the packets offered
	BaselineViolations uint64 `json:"baselineViolations"` // writes of a delta over a baseline the client did not hold (a Peer bug)

	Panics uint64 `json:"panics"` // panics in mode or room code that closed the room (0 or 1)
}

// counters are Stats as atomics: the room goroutine, the network
// goroutines (inputs) and the writers (written) all add to them.
type counters struct {
	ticks, catchUp, overruns                                 atomic.Uint64
	applied, stale, duplicate, queueFull, rateLimited, bad   atomic.Uint64
	floods                                                   atomic.Uint64
	snapshots, offered, written, full, encodes, bytes, viols atomic.Uint64
	panics                                                   atomic.Uint64
}

func (c *counters) load() Stats {
	return Stats{
		Ticks: c.ticks.Load(), CatchUpSteps: c.catchUp.Load(), Overruns: c.overruns.Load(),
		InputsApplied: c.applied.Load(), InputsStale: c.stale.Load(), InputsDuplicate: c.duplicate.Load(),
		InputsQueueFull: c.queueFull.Load(), InputsRateLimited: c.rateLimited.Load(), InputsMalformed: c.bad.Load(),
		Floods:    c.floods.Load(),
		Snapshots: c.snapshots.Load(), SnapshotsOffered: c.offered.Load(), SnapshotsWritten: c.written.Load(),
		FullSnapshots: c.full.Load(), SectionEncodes: c.encodes.Load(), SnapshotBytes: c.bytes.Load(),
		BaselineViolations: c.viols.Load(), Panics: c.panics.Load(),
	}
}

// Add returns the field-wise sum of s and o.
func (s Stats) Add(o Stats) Stats {
	return Stats{
		Ticks: s.Ticks + o.Ticks, CatchUpSteps: s.CatchUpSteps + o.CatchUpSteps, Overruns: s.Overruns + o.Overruns,
		InputsApplied: s.InputsApplied + o.InputsApplied, InputsStale: s.InputsStale + o.InputsStale,
		InputsDuplicate: s.InputsDuplicate + o.InputsDuplicate, InputsQueueFull: s.InputsQueueFull + o.InputsQueueFull,
		InputsRateLimited: s.InputsRateLimited + o.InputsRateLimited, InputsMalformed: s.InputsMalformed + o.InputsMalformed,
		Floods:    s.Floods + o.Floods,
		Snapshots: s.Snapshots + o.Snapshots, SnapshotsOffered: s.SnapshotsOffered + o.SnapshotsOffered,
		SnapshotsWritten: s.SnapshotsWritten + o.SnapshotsWritten, FullSnapshots: s.FullSnapshots + o.FullSnapshots,
		SectionEncodes: s.SectionEncodes + o.SectionEncodes, SnapshotBytes: s.SnapshotBytes + o.SnapshotBytes,
		BaselineViolations: s.BaselineViolations + o.BaselineViolations, Panics: s.Panics + o.Panics,
	}
}

// SeatStats is one seat's counters and state, for an operator's view of a
// room.
type SeatStats struct {
	Player    game.PlayerID `json:"player"`
	Name      string        `json:"name"`
	Connected bool          `json:"connected"`
	Inputs    uint64        `json:"inputs"`    // inputs received (rate limited and malformed ones included)
	Snapshots uint64        `json:"snapshots"` // snapshots written to its connections
	Bytes     uint64        `json:"bytes"`     // bytes of the snapshots offered to its connections
	// RTT is the connection's last measured round trip, when its Peer
	// measures one (RTTPeer); 0 otherwise.
	RTT time.Duration `json:"rttNs"`
}

// RTTPeer is a Peer that knows its connection's round trip time.
type RTTPeer interface {
	Peer
	RTT() time.Duration
}

// Seats returns each seat's counters, in player id order. It asks the room
// goroutine (a Call): for an operator's page, not a hot path.
func (r *Room) Seats(ctx context.Context) ([]SeatStats, error) {
	var out []SeatStats
	err := r.Call(ctx, func() error {
		out = make([]SeatStats, 0, len(r.seats))
		for _, st := range r.seats {
			s := SeatStats{
				Player: st.player.ID, Name: st.player.Name, Connected: st.conn != nil,
				Inputs: st.seat.inputs.Load(), Snapshots: st.seat.snaps.Load(), Bytes: st.seat.bytes.Load(),
			}
			if st.conn != nil {
				if p, ok := st.conn.peer.(RTTPeer); ok {
					s.RTT = p.RTT()
				}
			}
			out = append(out, s)
		}
		return nil
	})
	return out, err
}
