package sioparser

import "testing"

var benchEvents = []struct {
	name string
	json string
}{
	{"small", `["input",{"seq":1,"x":0.5,"y":-1}]`},
	{"100B", `["state",{"tick":1234,"players":[{"id":"p1","x":12.5,"y":-3.25,"hp":100},{"id":"p2","x":-7.75,"y":40.5,"hp":87}],"ok":true}]`},
}

func benchPacket(b *testing.B, js string) Packet {
	data, err := JSONToMsgpack([]byte(js), nil)
	if err != nil {
		b.Fatal(err)
	}
	return Packet{Type: Event, Namespace: "/", Data: data}
}

func BenchmarkEncodeMsgpack(b *testing.B) {
	for _, ev := range benchEvents {
		b.Run(ev.name, func(b *testing.B) {
			p := benchPacket(b, ev.json)
			b.ReportAllocs()
			for b.Loop() {
				if _, err := EncodeMsgpack(&p); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

func BenchmarkDecodeMsgpack(b *testing.B) {
	for _, ev := range benchEvents {
		b.Run(ev.name, func(b *testing.B) {
			p := benchPacket(b, ev.json)
			frame, _ := EncodeMsgpack(&p)
			b.SetBytes(int64(len(frame)))
			b.ReportAllocs()
			for b.Loop() {
				if _, err := DecodeMsgpack(frame); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

func BenchmarkEncodeText(b *testing.B) {
	for _, ev := range benchEvents {
		b.Run(ev.name, func(b *testing.B) {
			p := benchPacket(b, ev.json)
			b.ReportAllocs()
			for b.Loop() {
				if _, _, err := EncodeText(&p); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

func BenchmarkDecodeText(b *testing.B) {
	for _, ev := range benchEvents {
		b.Run(ev.name, func(b *testing.B) {
			text := "2" + ev.json
			b.SetBytes(int64(len(text)))
			var d TextDecoder
			b.ReportAllocs()
			for b.Loop() {
				if _, _, err := d.AddText(text); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkSnapshotPacket builds the packet of one player's snapshot (a
// 100-byte canonical argument) the general way, EncodeArgs then
// EncodeMsgpack, in one step with AppendCanonicalEvent, and with AppendCanonicalEvent1 into a
// reused buffer (the snapshot path: nothing allocated).
func BenchmarkSnapshotPacket(b *testing.B) {
	arg, err := JSONToMsgpack([]byte(`{"t":1234,"b":1233,"a":77,"ts":1790000000000,"s":"0123456789012345678901234567890123456789012345678901234567"}`), nil)
	if err != nil {
		b.Fatal(err)
	}
	args := []any{Canonical(arg)}
	b.Run("general", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			data, err := EncodeArgs("snapshot", args)
			if err != nil {
				b.Fatal(err)
			}
			if _, err := EncodeMsgpack(&Packet{Type: Event, Namespace: "/", Data: data}); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("one-step", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if _, ok := AppendCanonicalEvent(nil, "/", "snapshot", args); !ok {
				b.Fatal("declined")
			}
		}
	})
	b.Run("one-argument-reused", func(b *testing.B) {
		b.ReportAllocs()
		var buf []byte
		for b.Loop() {
			var ok bool
			if buf, ok = AppendCanonicalEvent1(buf[:0], "/", "snapshot", Canonical(arg)); !ok {
				b.Fatal("declined")
			}
		}
	})
}
