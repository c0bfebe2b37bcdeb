package rooms

import (
	"bytes"
	"context"
	"log/slog"
	"strings"
	"testing"
	"testing/synctest"
	"time"
)

// closedReason is what the peer was closed with, "" while it is open.
func (p *fakePeer) closedReason() string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.closed
}

// TestInputFloodRejoin: a flooder that takes its seat back on a new connection starts a fresh
// flood window: neither its old connection's count nor that connection's late inputs (sent
// before it saw the close) disconnect the new one, which goes only after flooding 3 s itself.
// Every flood disconnect is counted in Stats.Floods; the warning is logged at most once per
// room every 10 s, with the disconnects it left out.
func TestInputFloodRejoin(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		var logBuf bytes.Buffer
		cfg := quietConfig()
		cfg.Logger = slog.New(slog.NewTextHandler(&syncWriter{w: &logBuf}, nil))
		mode, _ := newProbe(20)
		rr := startRoom(t, mode, cfg)
		first := newFakePeer("first", probeSchema)
		seat := rr.mustJoin(t, 1, first)
		tickOnce()
		seq := 0
		// flood sends 400 inputs a second for at most d, until peer is closed, and says when
		// it was (0: not within d).
		flood := func(peer *fakePeer, d time.Duration) time.Duration {
			start := time.Now()
			for time.Since(start) < d {
				seq++
				seat.PushInput(input(t, map[string]any{"seq": seq}))
				time.Sleep(time.Second / 400)
				if peer != nil && peer.closedReason() != "" {
					return time.Since(start)
				}
			}
			return 0
		}
		lines := func() []string {
			var out []string
			for _, l := range strings.Split(logBuf.String(), "\n") {
				if strings.Contains(l, "input flood") {
					out = append(out, l)
				}
			}
			return out
		}
		// rejoin floods on a new connection, the previous one's late inputs first, and
		// checks it is disconnected within the third second of its own flood.
		rejoin := func(name string) {
			t.Helper()
			flood(nil, 60*time.Millisecond) // the closed connection's inputs still in flight
			peer := newFakePeer(name, probeSchema)
			if err := rr.Return(context.Background(), 1, peer); err != nil {
				t.Fatal(err)
			}
			if took := flood(peer, 4*time.Second); took < 2*time.Second || took > 3*time.Second+100*time.Millisecond {
				t.Errorf("%s connection closed after %v of its flood, want within the third second", name, took)
			}
		}

		if took := flood(first, 4*time.Second); took < 2*time.Second || took > 3*time.Second+100*time.Millisecond {
			t.Fatalf("first connection closed after %v, want within the third second", took)
		}
		rejoin("second")
		synctest.Wait()
		if st := rr.Stats(); st.Floods != 2 {
			t.Errorf("floods %d after two flooding connections, want 2", st.Floods)
		}
		if l := lines(); len(l) != 1 || !strings.Contains(l[0], "similar_since_last_line=0") {
			t.Errorf("log lines for two floods within 10 s: %q, want the first one only", l)
		}
		time.Sleep(10 * time.Second)
		rejoin("third")
		synctest.Wait()
		if st := rr.Stats(); st.Floods != 3 {
			t.Errorf("floods %d after three flooding connections, want 3", st.Floods)
		}
		if l := lines(); len(l) != 2 || !strings.Contains(l[1], "similar_since_last_line=1") {
			t.Errorf("log lines for a flood 10 s later: %q, want a second one with the one left out", l)
		}
		if err := rr.stop(); err != nil {
			t.Fatal(err)
		}
	})
}
