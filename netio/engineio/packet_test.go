package engineio

import (
	"bytes"
	"errors"
	"testing"
)

func TestDecodePacket(t *testing.T) {
	cases := []struct {
		in   string
		want Packet
		err  bool
	}{
		{"0{}", Packet{Type: PacketOpen, Data: []byte("{}")}, false},
		{"1", Packet{Type: PacketClose}, false},
		{"2probe", Packet{Type: PacketPing, Data: []byte("probe")}, false},
		{"3", Packet{Type: PacketPong}, false},
		{"4hello", Packet{Type: PacketMessage, Data: []byte("hello")}, false},
		{"5", Packet{Type: PacketUpgrade}, false},
		{"6", Packet{Type: PacketNoop}, false},
		{"bAQIDBA==", Packet{Type: PacketMessage, Binary: true, Data: []byte{1, 2, 3, 4}}, false},
		{"bAQIDBA", Packet{Type: PacketMessage, Binary: true, Data: []byte{1, 2, 3, 4}}, false},
		{"b", Packet{Type: PacketMessage, Binary: true, Data: []byte{}}, false},
		{"", Packet{}, true},
		{"7", Packet{}, true},
		{"abc", Packet{}, true},
		{"b!!!", Packet{}, true},
	}
	for _, c := range cases {
		got, err := DecodePacket([]byte(c.in))
		if c.err {
			if !errors.Is(err, ErrInvalidPacket) {
				t.Errorf("%q: err %v, want ErrInvalidPacket", c.in, err)
			}
			continue
		}
		if err != nil || got.Type != c.want.Type || got.Binary != c.want.Binary || !bytes.Equal(got.Data, c.want.Data) {
			t.Errorf("%q: got %+v %v, want %+v", c.in, got, err, c.want)
		}
	}
}

func TestAppendPacketAndPayload(t *testing.T) {
	ps := []Packet{
		{Type: PacketMessage, Data: []byte("hello")},
		{Type: PacketMessage, Binary: true, Data: []byte{1, 2, 3, 4}},
		{Type: PacketPing},
	}
	got := string(AppendPayload(nil, ps))
	if want := "4hello\x1ebAQIDBA==\x1e2"; got != want {
		t.Fatalf("payload %q, want %q", got, want)
	}
	back, err := DecodePayload(nil, []byte(got))
	if err != nil || len(back) != 3 || string(back[0].Data) != "hello" || !back[1].Binary || back[2].Type != PacketPing {
		t.Fatalf("decode: %+v %v", back, err)
	}
	// A bad packet keeps the decoded prefix, as the reference delivers it.
	pre, err := DecodePayload(nil, []byte("4a\x1e4b\x1ex\x1e4c"))
	if !errors.Is(err, ErrInvalidPacket) || len(pre) != 2 {
		t.Fatalf("prefix: %+v %v", pre, err)
	}
	if _, err := DecodePayload(nil, nil); err == nil {
		t.Fatal("empty payload accepted")
	}
	// AppendPacket must not modify the data it encodes.
	data := []byte("xyz")
	AppendPacket(make([]byte, 0, 1), Packet{Type: PacketMessage, Data: data})
	if string(data) != "xyz" {
		t.Fatal("data modified")
	}
}

func roundTrip(t *testing.T, p Packet) {
	enc := AppendPacket(nil, p)
	q, err := DecodePacket(enc)
	if err != nil {
		t.Fatalf("re-decode %q: %v", enc, err)
	}
	if q.Type != p.Type || q.Binary != p.Binary || !bytes.Equal(q.Data, p.Data) {
		t.Fatalf("round trip %+v -> %q -> %+v", p, enc, q)
	}
}

func FuzzDecodePacket(f *testing.F) {
	for _, s := range []string{"0{}", "1", "2probe", "3", "4hello", "5", "6", "bAQIDBA==", "bAQ", "", "7", "b", "4\x00\xff"} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		p, err := DecodePacket(b)
		if err != nil {
			if !errors.Is(err, ErrInvalidPacket) {
				t.Fatalf("unwrapped error %v", err)
			}
			return
		}
		if p.Type > PacketNoop || p.Binary && p.Type != PacketMessage {
			t.Fatalf("bad packet %+v", p)
		}
		roundTrip(t, p)
	})
}

func FuzzDecodePayload(f *testing.F) {
	for _, s := range []string{"4hello\x1ebAQIDBA==", "2\x1e3\x1e4x", "\x1e", "4a\x1e", "1", "bAQ\x1e6", "x"} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		ps, err := DecodePayload(nil, b)
		if err != nil && !errors.Is(err, ErrInvalidPacket) {
			t.Fatalf("unwrapped error %v", err)
		}
		if err != nil {
			return
		}
		for _, p := range ps {
			if !p.Binary && bytes.IndexByte(p.Data, PayloadSeparator) >= 0 {
				t.Fatalf("separator inside packet %+v", p)
			}
		}
		enc := AppendPayload(nil, ps)
		back, err := DecodePayload(nil, enc)
		if err != nil || len(back) != len(ps) {
			t.Fatalf("re-decode %q: %d packets, %v", enc, len(back), err)
		}
		for i := range ps {
			if back[i].Type != ps[i].Type || back[i].Binary != ps[i].Binary || !bytes.Equal(back[i].Data, ps[i].Data) {
				t.Fatalf("packet %d: %+v != %+v", i, back[i], ps[i])
			}
		}
	})
}

func BenchmarkDecodePacket(b *testing.B) {
	in := []byte("4" + string(bytes.Repeat([]byte("x"), 100)))
	b.SetBytes(int64(len(in)))
	for b.Loop() {
		DecodePacket(in)
	}
}

func BenchmarkAppendPacket(b *testing.B) {
	p := Packet{Type: PacketMessage, Data: bytes.Repeat([]byte("x"), 100)}
	buf := make([]byte, 0, 256)
	b.SetBytes(101)
	for b.Loop() {
		buf = AppendPacket(buf[:0], p)
	}
}

func benchPayload() []Packet {
	ps := make([]Packet, 0, 16)
	for i := 0; i < 8; i++ {
		ps = append(ps, Packet{Type: PacketMessage, Data: bytes.Repeat([]byte("x"), 100)},
			Packet{Type: PacketMessage, Binary: true, Data: bytes.Repeat([]byte{7}, 100)})
	}
	return ps
}

func BenchmarkAppendPayload(b *testing.B) {
	ps := benchPayload()
	buf := make([]byte, 0, 4096)
	for b.Loop() {
		buf = AppendPayload(buf[:0], ps)
	}
	b.SetBytes(int64(len(buf)))
}

func BenchmarkDecodePayload(b *testing.B) {
	enc := AppendPayload(nil, benchPayload())
	ps := make([]Packet, 0, 16)
	b.SetBytes(int64(len(enc)))
	for b.Loop() {
		ps, _ = DecodePayload(ps[:0], enc)
	}
}
