package sioparser

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"
)

// Seeds come from the npm-captured fixtures.

func FuzzDecodeMsgpack(f *testing.F) {
	for _, c := range loadFixtures(f) {
		if c.Parser == "msgpack" {
			f.Add(mustHex(f, c.Frames[0]))
		}
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		p, err := DecodeMsgpack(b)
		if err != nil {
			return
		}
		canon, err := Normalize(p.Data)
		if p.Data != nil && (err != nil || !bytes.Equal(canon, p.Data)) {
			t.Fatalf("decoded data %x not canonical: %x %v", p.Data, canon, err)
		}
		enc, err := EncodeMsgpack(&p)
		if err != nil {
			t.Fatalf("re-encode %+v: %v", p, err)
		}
		q, err := DecodeMsgpack(enc)
		if err != nil || !packetsEqual(p, q) {
			t.Fatalf("msgpack round trip: %+v -> %x -> %+v, %v", p, enc, q, err)
		}
		checkTextRoundTrip(t, p)
		if p.Type == Event || p.Type == Ack {
			checkSplit(t, p.Data)
		}
	})
}

// checkTextRoundTrip encodes p as text and decodes it back, where the
// canonical data survives JSON.
func checkTextRoundTrip(t *testing.T, p Packet) {
	text, atts, err := EncodeText(&p)
	if err != nil {
		if strings.Contains(p.Namespace, ",") || (p.Type != Event && p.Type != Ack) {
			return // no text form: comma in namespace, binary outside EVENT/ACK
		}
		t.Fatalf("EncodeText(%+v): %v", p, err)
	}
	if textUnsafe(p.Data) || len(atts) > DefaultMaxAttachments {
		return
	}
	var d TextDecoder
	q, done, err := d.AddText(text)
	for _, a := range atts {
		if err != nil || done {
			break
		}
		q, done, err = d.AddBinary(a)
	}
	if err != nil || !done || !packetsEqual(p, q) {
		t.Fatalf("text round trip: %+v -> %q %x -> %+v (done %v), %v", p, text, atts, q, done, err)
	}
}

func FuzzTextDecoder(f *testing.F) {
	for _, c := range loadFixtures(f) {
		if c.Parser != "text" {
			continue
		}
		var bins []byte
		for _, a := range c.Frames[1:] {
			bins = append(bins, mustHex(f, a)...)
			bins = append(bins, 0xff, 0xfe)
		}
		f.Add(c.Frames[0], bins)
	}
	f.Fuzz(func(t *testing.T, text string, bins []byte) {
		var d TextDecoder
		p, done, err := d.AddText(text)
		if err != nil {
			return
		}
		if !done {
			for _, a := range bytes.Split(bins, []byte{0xff, 0xfe}) {
				if p, done, err = d.AddBinary(a); err != nil || done {
					break
				}
			}
		}
		if err != nil || !done {
			return
		}
		if p.Data != nil {
			if canon, err := Normalize(p.Data); err != nil || !bytes.Equal(canon, p.Data) {
				t.Fatalf("decoded data %x not canonical: %x %v", p.Data, canon, err)
			}
		}
		if err := validateData(p.Type, p.Data); err != nil {
			t.Fatalf("decoded packet invalid: %v", err)
		}
		checkTextRoundTrip(t, p)
		enc, err := EncodeMsgpack(&p)
		if err != nil {
			t.Fatalf("EncodeMsgpack(%+v): %v", p, err)
		}
		if q, err := DecodeMsgpack(enc); err != nil || !packetsEqual(p, q) {
			t.Fatalf("msgpack round trip: %+v -> %+v, %v", p, q, err)
		}
	})
}

func FuzzJSONToMsgpack(f *testing.F) {
	for _, c := range loadFixtures(f) {
		if c.Parser != "text" {
			continue
		}
		if i := strings.IndexAny(c.Frames[0], "[{\""); i >= 0 {
			f.Add([]byte(c.Frames[0][i:]), uint8(len(c.Frames)-1))
		}
	}
	f.Add([]byte(`[1.5e300,-0,1e400,"\ud800",{"a":[true,null]}]`), uint8(0))
	f.Fuzz(func(t *testing.T, js []byte, natt uint8) {
		var atts [][]byte
		for i := 0; i < int(natt%4); i++ {
			atts = append(atts, bytes.Repeat([]byte{byte(i)}, i))
		}
		out, err := JSONToMsgpack(js, atts)
		if err != nil {
			if len(atts) == 0 && json.Valid(js) && !strings.Contains(err.Error(), "nesting") {
				t.Fatalf("valid JSON %q refused: %v", js, err)
			}
			return
		}
		if !json.Valid(js) {
			t.Fatalf("invalid JSON %q accepted", js)
		}
		if canon, err := Normalize(out); err != nil || !bytes.Equal(canon, out) {
			t.Fatalf("output %x not canonical: %x %v", out, canon, err)
		}
		if textUnsafe(out) {
			return
		}
		js2, atts2, err := MsgpackToJSON(out)
		if err != nil {
			t.Fatalf("MsgpackToJSON(%x): %v", out, err)
		}
		back, err := JSONToMsgpack(js2, atts2)
		if err != nil || !bytes.Equal(back, out) {
			t.Fatalf("round trip %q -> %x -> %s -> %x, %v", js, out, js2, back, err)
		}
	})
}

func FuzzMsgpackToJSON(f *testing.F) {
	for _, c := range loadFixtures(f) {
		if c.Data != nil {
			f.Add(mustHex(f, *c.Data))
		}
	}
	f.Add(h(f, "93d40000d70000000000000003e8c7020001ff"))
	f.Fuzz(func(t *testing.T, b []byte) {
		js, atts, err := MsgpackToJSON(b)
		canon, nerr := Normalize(b)
		if (err == nil) != (nerr == nil) {
			t.Fatalf("MsgpackToJSON and Normalize disagree on %x: %v / %v", b, err, nerr)
		}
		if err != nil {
			return
		}
		if !json.Valid(js) {
			t.Fatalf("MsgpackToJSON(%x) = invalid JSON %q", b, js)
		}
		if textUnsafe(canon) {
			return
		}
		back, err := JSONToMsgpack(js, atts)
		if err != nil || !bytes.Equal(back, canon) {
			t.Fatalf("%x -> %s -> %x, want %x, %v", b, js, back, canon, err)
		}
	})
}
