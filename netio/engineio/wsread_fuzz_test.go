package engineio

import (
	"encoding/binary"
	"net"
	"testing"
	"time"
)

// FuzzWebSocketFrames feeds arbitrary bytes as the client's side of a websocket session,
// then ends it (TCP half-close). Whatever the bytes, the server must not panic, must drop
// the connection, and the session must close exactly once with a reason the reader gives.
func FuzzWebSocketFrames(f *testing.F) {
	fuzzFrames(f, false)
}

// FuzzWebSocketFramesBusy is FuzzWebSocketFrames after two messages that make the reader busy,
// so that the bytes reach the reader that delivers inside its read (warmRead), in whatever
// pieces the kernel hands them over.
func FuzzWebSocketFramesBusy(f *testing.F) {
	fuzzFrames(f, true)
}

func fuzzFrames(f *testing.F, busy bool) {
	seeds := [][]byte{
		nil,
		clientFrame(fin(opText), []byte("4hello"), true),
		clientFrame(fin(opBinary), []byte{1, 2, 3}, true),
		append(clientFrame(opText, []byte("4he"), true), clientFrame(fin(opContinuation), []byte("llo"), true)...),
		append(append(clientFrame(opText, []byte("4a"), true), clientFrame(fin(opPing), []byte("p"), true)...),
			clientFrame(fin(opContinuation), []byte("b"), true)...),
		clientFrame(fin(opClose), binary.BigEndian.AppendUint16(nil, 1000), true),
		clientFrame(fin(opClose), nil, true),
		clientFrame(fin(opText), []byte("1"), true),
		clientFrame(fin(opText), []byte("4\xff"), true),
		clientFrame(fin(opText), []byte("4x"), false),
		clientFrame(fin(opBinary), make([]byte, 300), true),
		{fin(opBinary), 0x80 | 127, 0, 0, 0, 0, 0, 0, 0, 5, 1, 2, 3, 4, 0},
		{0x42, 0x81},
	}
	for _, s := range seeds {
		f.Add(s)
	}
	// One server for all inputs, on the descriptor path; the blocking path shares the parser.
	e := newRawEnv(f, "fd", func(c *Config) { c.MaxHTTPBufferSize = 256; c.PingInterval = time.Minute })
	f.Fuzz(func(t *testing.T, data []byte) {
		rc, h := e.dialRaw(t)
		if busy {
			for _, m := range []string{"4w", "4b"} {
				rc.write(clientFrame(fin(opText), []byte(m), true))
				h.waitMsg(t)
			}
		}
		rc.c.Write(data) // the server may already have closed
		rc.c.(*net.TCPConn).CloseWrite()
		rc.expectEOF()
		ev := h.waitClose(t)
		switch ev.reason {
		case ReasonTransportClose, ReasonTransportError, ReasonParseError:
		default:
			t.Fatalf("reason %q (%v)", ev.reason, ev.err)
		}
		time.Sleep(time.Millisecond)
		if n := h.closes.Load(); n != 1 {
			t.Fatalf("OnClose called %d times", n)
		}
	})
}
