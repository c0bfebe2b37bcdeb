package sioparser

import (
	"bytes"
	"encoding/hex"
	"errors"
	"math"
	"strings"
	"testing"
)

func TestNormalize(t *testing.T) {
	deep := func(n int) string {
		return strings.Repeat("91", n) + "c0"
	}
	tests := []struct {
		name, in, want string // want "" = error
	}{
		{"nil", "c0", "c0"},
		{"bools", "92c2c3", "92c2c3"},
		{"wide uint", "cf0000000000000001", "01"},
		{"uint8 in int32", "d2000000ff", "ccff"},
		{"negative wide", "d3ffffffffffffffff", "ff"},
		{"int8 -33", "d1ffdf", "d0df"},
		{"int64 min", "d38000000000000000", "d38000000000000000"},
		{"uint64 max", "cfffffffffffffffff", "cfffffffffffffffff"},
		{"whole float", "cb4000000000000000", "02"},
		{"negative zero float", "cb8000000000000000", "00"},
		{"float half", "cb3fe0000000000000", "cb3fe0000000000000"},
		{"float32 widened", "ca3fc00000", "cb3ff8000000000000"},
		{"float32 whole", "ca40000000", "02"},
		{"NaN bits kept", "cb7ff8000000000001", "cb7ff8000000000001"},
		{"infinity", "cb7ff0000000000000", "cb7ff0000000000000"},
		{"2^64 stays float", "cb43f0000000000000", "cb43f0000000000000"},
		{"2^63 float to uint", "cb43e0000000000000", "cf8000000000000000"},
		{"-2^63 float to int", "cbc3e0000000000000", "d38000000000000000"},
		{"str8 short", "d90161", "a161"},
		{"str16 short", "da000161", "a161"},
		{"str 32 bytes", "d920" + strings.Repeat("61", 32), "d920" + strings.Repeat("61", 32)},
		{"invalid utf8", "a3ff6180", "a7efbfbd61efbfbd"},
		{"surrogate encoded", "a3eda080", "a9efbfbdefbfbdefbfbd"},
		{"bin16 short", "c5000101", "c40101"},
		{"array16 short", "dc000101", "9101"},
		{"map32 short", "df00000001a16101", "81a16101"},
		{"undefined", "d40000", "c0"},
		{"date", "d70000000000000003e8", "cd03e8"},
		{"date negative", "d700ffffffffffffff00", "d1ff00"},
		{"ext8 type 0", "c7020001ff", "c40201ff"},
		{"ext16 type 0", "c800010007", "c40107"},
		{"ext32 type 0", "c90000000100aa", "c401aa"},
		{"depth limit ok", deep(MaxDepth), deep(MaxDepth)},
		{"depth limit", deep(MaxDepth + 1), ""},
		{"map depth", strings.Repeat("81a161", MaxDepth+1) + "c0", ""},
		{"ext type 1", "d40100", ""},
		{"ext type -1 timestamp", "d6ff00000000", ""},
		{"fixext2 type 0", "d5000102", ""},
		{"int key", "810101", ""},
		{"nil key", "81c001", ""},
		{"array key", "819001", ""},
		{"c1", "c1", ""},
		{"empty", "", ""},
		{"trailing", "c0c0", ""},
		{"truncated str", "a361", ""},
		{"truncated float", "cb3fe0", ""},
		{"truncated uint", "cd01", ""},
		{"truncated ext", "d7000000", ""},
		{"truncated ext header", "c801", ""},
		{"array32 claim", "ddffffffff", ""},
		{"map32 claim", "dfffffffff", ""},
		{"map claims twice the bytes", "82a16101", ""},
		{"bin32 claim", "c6ffffffff00", ""},
		{"str32 claim", "dbffffffff", ""},
		{"ext32 claim", "c9ffffffff00", ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := Normalize(h(t, tc.in))
			if tc.want == "" {
				if err == nil {
					t.Fatalf("Normalize(%s) = %x, want error", tc.in, got)
				}
				if !errors.Is(err, ErrInvalidPacket) {
					t.Fatalf("error %v does not wrap ErrInvalidPacket", err)
				}
				return
			}
			if err != nil {
				t.Fatalf("Normalize(%s): %v", tc.in, err)
			}
			if hex.EncodeToString(got) != tc.want {
				t.Fatalf("Normalize(%s) = %x, want %s", tc.in, got, tc.want)
			}
			again, err := Normalize(got)
			if err != nil || !bytes.Equal(again, got) {
				t.Fatalf("canonical form not stable: %x -> %x, %v", got, again, err)
			}
		})
	}
}

func TestNormalizeDoesNotAlias(t *testing.T) {
	in := h(t, "92a161c40101")
	out, err := Normalize(in)
	if err != nil {
		t.Fatal(err)
	}
	in[2] = 'z'
	if out[2] != 'a' {
		t.Fatal("Normalize result aliases its input")
	}
}

func TestJSONToMsgpack(t *testing.T) {
	att := [][]byte{{1, 2}, {3}}
	tests := []struct {
		name, in string
		atts     [][]byte
		want     string // "" = error
	}{
		{"ints", `[0,1,-1,127,128,-32,-33,255,256,65535,65536,4294967295,4294967296]`, nil,
			"9d 00 01 ff 7f cc80 e0 d0df ccff cd0100 cdffff ce00010000 ceffffffff cf0000000100000000"},
		{"int64 bounds", `[9223372036854775807,-9223372036854775808,18446744073709551615]`, nil,
			"93 cf7fffffffffffffff d38000000000000000 cfffffffffffffffff"},
		{"beyond uint64", `18446744073709551616`, nil, "cb43f0000000000000"},
		{"beyond int64 rounds to -2^63", `-9223372036854775809`, nil, "d38000000000000000"},
		{"below int64", `-9223372036854777856`, nil, "cbc3e0000000000001"},
		{"exact beyond 2^53", `9007199254740993`, nil, "cf0020000000000001"},
		{"whole forms", `[1.0,1e2,1.5e1,-0,-0.0,0.1e1,100e-2,1E+0,0e99999]`, nil, "99 01 64 0f 00 00 01 01 01 00"},
		{"fractions", `[0.5,-1.25,1e-7]`, nil, "93 cb3fe0000000000000 cbbff4000000000000 cb3e7ad7f29abcaf48"},
		{"huge exponent", `[1e400,-1e400,1e-400]`, nil, "93 cb7ff0000000000000 cbfff0000000000000 00"},
		{"many digits", `0.30000000000000000000000000000001`, nil, "cb3fd3333333333333"},
		{"long integer literal", `100000000000000000000000000000`, nil, "cb45f431e0fae6d721"},
		{"literals", ` [ true , false , null ] `, nil, "93c3c2c0"},
		{"strings", `["a","\"\\\/\b\f\n\r\t","\u00e9\ud83d\ude00"]`, nil, "93 a161 a8225c2f080c0a0d09 a6c3a9f09f9880"},
		{"lone surrogates", `["\ud800","\udc00x","\ud800\u0041"]`, nil, "93 a3efbfbd a4efbfbd78 a4efbfbd41"},
		{"invalid utf8 raw", "\"a\xffb\"", nil, "a561efbfbd62"},
		{"object order", `{"b":1,"a":{"c":[]}}`, nil, "82 a162 01 a161 81a16390"},
		{"array16", `[` + strings.Repeat("0,", 15) + `0]`, nil, "dc0010" + strings.Repeat("00", 16)},
		{"placeholder", `["x",{"_placeholder":true,"num":1},{"_placeholder":true,"num":0}]`, att, "93 a178 c40103 c4020102"},
		{"placeholder escaped key", `[{"\u005fplaceholder":true,"n\u0075m":0}]`, att, "91 c4020102"},
		{"placeholder last wins", `[{"_placeholder":false,"num":0,"_placeholder":true}]`, att, "91 c4020102"},
		{"placeholder not true", `[{"_placeholder":1,"num":0}]`, att, "91 82 ac5f706c616365686f6c646572 01 a36e756d 00"},
		{"placeholder num float whole", `[{"_placeholder":true,"num":1.0}]`, att, "91 c40103"},
		{"placeholder nested skipped", `[{"_placeholder":true,"num":0,"x":[{"y":[1]}]},[2]]`, att, "92 c4020102 9102"},
		{"placeholder without attachments", `{"_placeholder":true,"num":0}`, nil, "82 ac5f706c616365686f6c646572 c3 a36e756d 00"},
		{"placeholder out of range", `[{"_placeholder":true,"num":2}]`, att, ""},
		{"placeholder num fraction", `[{"_placeholder":true,"num":0.5}]`, att, ""},
		{"placeholder num missing", `[{"_placeholder":true}]`, att, ""},
		{"empty", ``, nil, ""},
		{"blank", `  `, nil, ""},
		{"two values", `1 2`, nil, ""},
		{"trailing comma", `[1,]`, nil, ""},
		{"leading comma", `[,1]`, nil, ""},
		{"missing colon", `{"a" 1}`, nil, ""},
		{"non-string key", `{1:2}`, nil, ""},
		{"unterminated", `["a`, nil, ""},
		{"bad escape", `["\x"]`, nil, ""},
		{"short unicode escape", `["\u12"]`, nil, ""},
		{"control char", "[\"\x01\"]", nil, ""},
		{"leading zero", `01`, nil, ""},
		{"bare minus", `-`, nil, ""},
		{"dot without digits", `1.`, nil, ""},
		{"exponent without digits", `1e+`, nil, ""},
		{"plus sign", `+1`, nil, ""},
		{"NaN", `NaN`, nil, ""},
		{"tru", `tru`, nil, ""},
		{"single quotes", `'a'`, nil, ""},
		{"too deep", strings.Repeat("[", MaxDepth+1) + strings.Repeat("]", MaxDepth+1), nil, ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := JSONToMsgpack([]byte(tc.in), tc.atts)
			if tc.want == "" {
				if err == nil {
					t.Fatalf("JSONToMsgpack(%s) = %x, want error", tc.in, got)
				}
				return
			}
			if err != nil {
				t.Fatalf("JSONToMsgpack(%s): %v", tc.in, err)
			}
			if want := strings.ReplaceAll(tc.want, " ", ""); hex.EncodeToString(got) != want {
				t.Fatalf("JSONToMsgpack(%s)\n got %x\nwant %s", tc.in, got, want)
			}
		})
	}
}

func TestMsgpackToJSON(t *testing.T) {
	f := func(v float64) string {
		b := []byte{0xcb, 0, 0, 0, 0, 0, 0, 0, 0}
		u := math.Float64bits(v)
		for i := 0; i < 8; i++ {
			b[8-i] = byte(u >> (8 * i))
		}
		return hex.EncodeToString(b)
	}
	tests := []struct {
		name, in, want string // want "" = error
		atts           int
	}{
		{"scalars", "95c0c3c2 00 ff", `[null,true,false,0,-1]`, 0},
		{"uint64 max", "cfffffffffffffffff", `18446744073709551615`, 0},
		{"int64 min", "d38000000000000000", `-9223372036854775808`, 0},
		{"float 0.1", f(0.1), `0.1`, 0},
		{"float 1e21", f(1e21), `1e+21`, 0},
		{"float 1e20", f(1e20), `100000000000000000000`, 0},
		{"float 1.5e-7", f(1.5e-7), `1.5e-7`, 0},
		{"float 1e-6", f(1e-6), `0.000001`, 0},
		{"float 123e-20", f(123e-20), `1.23e-18`, 0},
		{"float min", f(5e-324), `5e-324`, 0},
		{"float max", f(math.MaxFloat64), `1.7976931348623157e+308`, 0},
		{"float -2.5", f(-2.5), `-2.5`, 0},
		{"float whole", f(100), `100`, 0},
		{"float -0", f(math.Copysign(0, -1)), `0`, 0},
		{"float 123456.789", f(123456.789), `123456.789`, 0},
		{"NaN", f(math.NaN()), `null`, 0},
		{"Inf", f(math.Inf(-1)), `null`, 0},
		{"float32", "ca3fc00000", `1.5`, 0},
		{"escapes", "a9225c080c0a0d09011f", `"\"\\\b\f\n\r\t\u0001\u001f"`, 0},
		{"no escape for slash, DEL, U+2028", "a72f7fe280a83c3e", "\"/\x7f\u2028<>\"", 0},
		{"invalid utf8", "a3ff6180", "\"\uFFFDa\uFFFD\"", 0},
		{"map", "82a16101a16290", `{"a":1,"b":[]}`, 0},
		{"bin", "92c40101c40102", `[{"_placeholder":true,"num":0},{"_placeholder":true,"num":1}]`, 2},
		{"ext0 arraybuffer", "91c7010005", `[{"_placeholder":true,"num":0}]`, 1},
		{"undefined", "92d40000d40000", `[null,null]`, 0},
		{"date", "d70000000000000003e8", `1000`, 0},
		{"int key", "810101", "", 0},
		{"ext 1", "d40100", "", 0},
		{"trailing", "c0c0", "", 0},
		{"truncated", "92c0", "", 0},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, atts, err := MsgpackToJSON(h(t, tc.in))
			if tc.want == "" {
				if err == nil {
					t.Fatalf("MsgpackToJSON(%s) = %s, want error", tc.in, got)
				}
				return
			}
			if err != nil {
				t.Fatalf("MsgpackToJSON(%s): %v", tc.in, err)
			}
			if string(got) != tc.want || len(atts) != tc.atts {
				t.Fatalf("MsgpackToJSON(%s) = %s (%d attachments), want %s (%d)", tc.in, got, len(atts), tc.want, tc.atts)
			}
		})
	}
}

func TestEncodeMsgpack(t *testing.T) {
	ev := h(t, "91a161")
	tests := []struct {
		name string
		p    Packet
		want string // "" = error
	}{
		{"event", Packet{Type: Event, Namespace: "/", Data: ev}, "83 a474797065 02 a464617461 91a161 a36e7370 a12f"},
		{"empty namespace is /", Packet{Type: Event, Data: ev}, "83 a474797065 02 a464617461 91a161 a36e7370 a12f"},
		{"id 0 written, never nil", Packet{Type: Ack, Namespace: "/", HasID: true, Data: h(t, "90")}, "84 a474797065 03 a464617461 90 a26964 00 a36e7370 a12f"},
		{"big id", Packet{Type: Ack, Namespace: "/x", HasID: true, ID: 1 << 40, Data: h(t, "90")}, "84 a474797065 03 a464617461 90 a26964 cf0000010000000000 a36e7370 a22f78"},
		{"binary event as event", Packet{Type: BinaryEvent, Namespace: "/", Data: h(t, "92a161c40101")}, "83 a474797065 02 a464617461 92a161c40101 a36e7370 a12f"},
		{"data normalised", Packet{Type: Event, Namespace: "/", Data: h(t, "92d90161cb3ff0000000000000")}, "83 a474797065 02 a464617461 92a16101 a36e7370 a12f"},
		{"connect no data", Packet{Type: Connect, Namespace: "/"}, "82 a474797065 00 a36e7370 a12f"},
		{"disconnect", Packet{Type: Disconnect, Namespace: "/a"}, "82 a474797065 01 a36e7370 a22f61"},
		{"connect_error string", Packet{Type: ConnectError, Namespace: "/", Data: h(t, "a178")}, "83 a474797065 04 a464617461 a178 a36e7370 a12f"},
		{"type 7", Packet{Type: 7, Namespace: "/", Data: ev}, ""},
		{"namespace without slash", Packet{Type: Event, Namespace: "a", Data: ev}, ""},
		{"event without data", Packet{Type: Event, Namespace: "/"}, ""},
		{"event empty", Packet{Type: Event, Namespace: "/", Data: h(t, "90")}, ""},
		{"event name not string", Packet{Type: Event, Namespace: "/", Data: h(t, "9101")}, ""},
		{"event reserved", Packet{Type: Event, Namespace: "/", Data: h(t, "91aa646973636f6e6e656374")}, ""},
		{"event map", Packet{Type: Event, Namespace: "/", Data: h(t, "80")}, ""},
		{"ack map", Packet{Type: Ack, Namespace: "/", Data: h(t, "80")}, ""},
		{"connect array", Packet{Type: Connect, Namespace: "/", Data: h(t, "90")}, ""},
		{"connect nil value", Packet{Type: Connect, Namespace: "/", Data: h(t, "c0")}, ""},
		{"disconnect with data", Packet{Type: Disconnect, Namespace: "/", Data: h(t, "80")}, ""},
		{"connect_error number", Packet{Type: ConnectError, Namespace: "/", Data: h(t, "01")}, ""},
		{"trailing bytes in data", Packet{Type: Event, Namespace: "/", Data: h(t, "91a161c0")}, ""},
		{"truncated data", Packet{Type: Event, Namespace: "/", Data: h(t, "92a161")}, ""},
		{"bad ext in data", Packet{Type: Event, Namespace: "/", Data: h(t, "92a161d40101")}, ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			prefix := []byte("prefix")
			got, err := AppendMsgpack(prefix, &tc.p)
			if tc.want == "" {
				if err == nil || !errors.Is(err, ErrInvalidPacket) {
					t.Fatalf("got %x, %v; want ErrInvalidPacket", got, err)
				}
				if string(got) != "prefix" {
					t.Fatalf("dst changed on error: %q", got)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if want := "prefix" + string(h(t, tc.want)); string(got) != want {
				t.Fatalf("got %x, want %x", got, want)
			}
		})
	}
}

func TestEncodeText(t *testing.T) {
	tests := []struct {
		name string
		p    Packet
		text string // "" = error
		atts []string
	}{
		{"event", Packet{Type: Event, Namespace: "/", Data: h(t, "92a161cb3fe0000000000000")}, `2["a",0.5]`, nil},
		{"namespace and id", Packet{Type: Event, Namespace: "/chat", HasID: true, ID: 12, Data: h(t, "91a161")}, `2/chat,12["a"]`, nil},
		{"connect", Packet{Type: Connect, Namespace: "/"}, `0`, nil},
		{"connect auth", Packet{Type: Connect, Namespace: "/a", Data: h(t, "81a17401")}, `0/a,{"t":1}`, nil},
		{"disconnect", Packet{Type: Disconnect, Namespace: "/a"}, `1/a,`, nil},
		{"binary event", Packet{Type: Event, Namespace: "/", Data: h(t, "93a161c40101c400")}, `52-["a",{"_placeholder":true,"num":0},{"_placeholder":true,"num":1}]`, []string{"01", ""}},
		{"binary ack with id", Packet{Type: Ack, Namespace: "/x", HasID: true, ID: 3, Data: h(t, "91c40207ff")}, `61-/x,3[{"_placeholder":true,"num":0}]`, []string{"07ff"}},
		{"eleven attachments", Packet{Type: Event, Namespace: "/", Data: h(t, "9ca161"+strings.Repeat("c40100", 11))}, `511-["a"` + strings.Repeat(`,{"_placeholder":true,"num":N}`, 11) + `]`, nil},
		{"binary in connect_error", Packet{Type: ConnectError, Namespace: "/", Data: h(t, "81a164c40101")}, "", nil},
		{"namespace with comma", Packet{Type: Event, Namespace: "/a,b", Data: h(t, "91a161")}, "", nil},
		{"reserved", Packet{Type: Event, Namespace: "/", Data: h(t, "91a7636f6e6e656374")}, "", nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			text, atts, err := EncodeText(&tc.p)
			if tc.text == "" {
				if err == nil || !errors.Is(err, ErrInvalidPacket) {
					t.Fatalf("got %q, %v; want ErrInvalidPacket", text, err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if strings.Contains(tc.text, "num\":N") {
				if !strings.HasPrefix(text, "511-") || len(atts) != 11 {
					t.Fatalf("got %q with %d attachments", text, len(atts))
				}
				return
			}
			if text != tc.text || len(atts) != len(tc.atts) {
				t.Fatalf("got %q %x, want %q %v", text, atts, tc.text, tc.atts)
			}
			for i, a := range atts {
				if hex.EncodeToString(a) != tc.atts[i] {
					t.Fatalf("attachment %d = %x, want %s", i, a, tc.atts[i])
				}
			}
		})
	}
}

func TestTextDecoder(t *testing.T) {
	t.Run("text while reconstructing", func(t *testing.T) {
		var d TextDecoder
		if _, done, err := d.AddText(`51-["a",{"_placeholder":true,"num":0}]`); done || err != nil {
			t.Fatal(done, err)
		}
		if _, _, err := d.AddText(`2["a"]`); err == nil {
			t.Fatal("text accepted while attachments are pending")
		}
		// The decoder was reset by the error.
		if p, done, err := d.AddText(`2["b"]`); !done || err != nil || p.Type != Event {
			t.Fatal(p, done, err)
		}
	})
	t.Run("binary without packet", func(t *testing.T) {
		var d TextDecoder
		if _, _, err := d.AddBinary([]byte{1}); err == nil {
			t.Fatal("binary accepted with nothing pending")
		}
	})
	t.Run("attachments are copied", func(t *testing.T) {
		var d TextDecoder
		d.AddText(`52-["a",{"_placeholder":true,"num":0},{"_placeholder":true,"num":1}]`)
		buf := []byte{1, 2}
		if _, done, err := d.AddBinary(buf); done || err != nil {
			t.Fatal(done, err)
		}
		buf[0], buf[1] = 9, 9
		p, done, err := d.AddBinary([]byte{3})
		if !done || err != nil {
			t.Fatal(done, err)
		}
		if want := h(t, "93a161c4020102c40103"); !bytes.Equal(p.Data, want) {
			t.Fatalf("data %x, want %x", p.Data, want)
		}
	})
	t.Run("max attachments", func(t *testing.T) {
		d := TextDecoder{MaxAttachments: 2}
		if _, _, err := d.AddText(`53-["a"]`); err == nil {
			t.Fatal("3 attachments accepted with MaxAttachments 2")
		}
		if _, done, err := d.AddText(`52-["a"]`); done || err != nil {
			t.Fatal(done, err)
		}
		var dd TextDecoder
		if _, _, err := dd.AddText(`511-["a"]`); err == nil {
			t.Fatal("11 attachments accepted by default")
		}
		if _, _, err := dd.AddText(`510-["a"]`); err != nil {
			t.Fatal(err)
		}
	})
	t.Run("packets", func(t *testing.T) {
		tests := []struct {
			in   string
			want string // "" = error; else "type nsp id data"
		}{
			{`2["a"]`, `2 / - 91a161`},
			{`2/chat,["a"]`, `2 /chat - 91a161`},
			{`2/chat,7["a"]`, `2 /chat 7 91a161`},
			{`27["a"]`, `2 / 7 91a161`},
			{`3/x,18446744073709551615[]`, `3 /x 18446744073709551615 90`},
			{`318446744073709551616[]`, ``},
			{`0`, `0 / - `},
			{`0/admin,`, `0 /admin - `},
			{`0/admin`, `0 /admin - `},
			{`1/admin,`, `1 /admin - `},
			{`4{"message":"x"}`, `4 / - 81a76d657373616765a178`},
			{`4"x"`, `4 / - a178`},
			{"2[\"\\u0064isconnect\"]", ``},
			{`2["disconnecting"]`, ``},
			{`2["newListener"]`, ``},
			{`2["removeListener"]`, ``},
			{`2["connect_error"]`, ``},
			{`2[null]`, ``},
			{`2[{"_placeholder":true,"num":0}]`, ``},
			{`2["a"]]`, ``},
			{"2\t[\"a\"]", ``},
			{`5`, ``},
			{`51-`, ``},
			{`51-2`, ``},
			{`51-{}`, ``},
			{`51-[{"_placeholder":true,"num":0}]`, ``},
			{`51-["a",]`, ``},
			{`59999999999-["a"]`, ``},
			{`/`, ``},
			{`-1`, ``},
		}
		for _, tc := range tests {
			var d TextDecoder
			p, done, err := d.AddText(tc.in)
			if tc.want == "" {
				if err == nil {
					t.Errorf("AddText(%q) = %+v, %v; want error", tc.in, p, done)
				} else if !errors.Is(err, ErrInvalidPacket) {
					t.Errorf("AddText(%q): %v does not wrap ErrInvalidPacket", tc.in, err)
				}
				continue
			}
			if err != nil || !done {
				t.Errorf("AddText(%q): %v, done %v", tc.in, err, done)
				continue
			}
			id := "-"
			if p.HasID {
				id = strconvU(p.ID)
			}
			if got := strconvU(uint64(p.Type)) + " " + p.Namespace + " " + id + " " + hex.EncodeToString(p.Data); got != tc.want {
				t.Errorf("AddText(%q) = %s, want %s", tc.in, got, tc.want)
			}
		}
	})
}

func strconvU(v uint64) string { return string(appendUintDec(nil, v)) }

func appendUintDec(dst []byte, v uint64) []byte {
	if v >= 10 {
		dst = appendUintDec(dst, v/10)
	}
	return append(dst, byte('0'+v%10))
}

func TestDecodeMsgpackNoAlias(t *testing.T) {
	frame := h(t, "83 a474797065 02 a464617461 91a161 a36e7370 a22f78")
	p, err := DecodeMsgpack(frame)
	if err != nil {
		t.Fatal(err)
	}
	for i := range frame {
		frame[i] = 0
	}
	if p.Namespace != "/x" || !bytes.Equal(p.Data, h(t, "91a161")) {
		t.Fatalf("packet changed with its frame: %+v", p)
	}
}

func TestDecodeBoundsAllocation(t *testing.T) {
	// Headers claiming 2^32 elements or bytes must fail without allocating
	// anything like that.
	frames := [][]byte{
		h(t, "83 a474797065 02 a464617461 ddffffffff a36e7370 a12f"),
		h(t, "dfffffffff"),
		h(t, "83 a474797065 02 a464617461 92a161 c6ffffffff"),
	}
	for _, f := range frames {
		allocs := testing.AllocsPerRun(10, func() {
			if _, err := DecodeMsgpack(f); err == nil {
				t.Fatalf("DecodeMsgpack(%x) accepted", f)
			}
		})
		if allocs > 4 {
			t.Fatalf("DecodeMsgpack(%x): %v allocations", f, allocs)
		}
	}
	var d TextDecoder
	if _, _, err := d.AddText("2" + strings.Repeat("[", 1<<20)); err == nil {
		t.Fatal("deep JSON accepted")
	}
}

func TestHelpers(t *testing.T) {
	for _, name := range []string{"connect", "connect_error", "disconnect", "disconnecting", "newListener", "removeListener"} {
		if !IsReservedEvent(name) {
			t.Errorf("%s not reserved", name)
		}
	}
	for _, name := range []string{"", "Connect", "message", "connect "} {
		if IsReservedEvent(name) {
			t.Errorf("%q reserved", name)
		}
	}
	name, rest, err := EventName(h(t, "93 a5696e707574 01 81a178c3"))
	if err != nil || name != "input" || hex.EncodeToString(rest) != "0181a178c3" {
		t.Fatalf("EventName = %q %x %v", name, rest, err)
	}
	v, rest, err := SplitValue(rest)
	if err != nil || hex.EncodeToString(v) != "01" || hex.EncodeToString(rest) != "81a178c3" {
		t.Fatalf("SplitValue = %x %x %v", v, rest, err)
	}
	for _, bad := range []string{"", "90", "9101", "80", "91"} {
		if _, _, err := EventName(h(t, bad)); err == nil {
			t.Errorf("EventName(%s) accepted", bad)
		}
	}
	if _, _, err := SplitValue(h(t, "92c0")); err == nil {
		t.Error("SplitValue accepted a truncated array")
	}
	if Event.String() != "EVENT" || PacketType(9).String() != "PacketType(9)" {
		t.Error("PacketType.String")
	}
}
