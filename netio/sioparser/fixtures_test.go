package sioparser

import (
	"bytes"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
)

// fixtureCase is one case of testdata/fixtures.json, written by
// testdata/capture/capture.mjs from the npm parsers.
type fixtureCase struct {
	Name          string          `json:"name"`
	Parser        string          `json:"parser"` // "msgpack" or "text"
	Frames        []string        `json:"frames"` // msgpack: hex; text: the text, then attachments in hex
	OK            bool            `json:"ok"`     // the npm decoder accepts the frames
	Error         string          `json:"error"`
	GoRejects     bool            `json:"goRejects"` // npm accepts, Go refuses on purpose
	Type          int             `json:"type"`
	Nsp           string          `json:"nsp"`
	ID            *float64        `json:"id"`
	Data          *string         `json:"data"` // canonical msgpack in hex; null when absent
	DataUnchecked string          `json:"dataUnchecked"`
	Decoded       json.RawMessage `json:"decoded"`
	Reencoded     []string        `json:"reencoded"`
}

func loadFixtures(t testing.TB) []fixtureCase {
	t.Helper()
	raw, err := os.ReadFile(filepath.Join("testdata", "fixtures.json"))
	if err != nil {
		t.Fatal(err)
	}
	var f struct {
		Cases []fixtureCase `json:"cases"`
	}
	if err := json.Unmarshal(raw, &f); err != nil {
		t.Fatal(err)
	}
	if len(f.Cases) < 100 {
		t.Fatalf("only %d fixture cases", len(f.Cases))
	}
	return f.Cases
}

func mustHex(t testing.TB, s string) []byte {
	t.Helper()
	b, err := hex.DecodeString(s)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// decodeFrames decodes a case's frames with the Go decoder of its parser.
func decodeFrames(t testing.TB, c *fixtureCase) (Packet, error) {
	if c.Parser == "msgpack" {
		return DecodeMsgpack(mustHex(t, c.Frames[0]))
	}
	var d TextDecoder
	p, done, err := d.AddText(c.Frames[0])
	for _, f := range c.Frames[1:] {
		if err != nil {
			break
		}
		if done {
			return p, errors.New("packet done before its attachments")
		}
		p, done, err = d.AddBinary(mustHex(t, f))
	}
	if err == nil && !done {
		return p, errors.New("packet not done after its attachments")
	}
	return p, err
}

// encodeFrames encodes p for parser, frames in the fixture's notation.
func encodeFrames(p *Packet, parser string) ([]string, error) {
	if parser == "msgpack" {
		b, err := EncodeMsgpack(p)
		return []string{hex.EncodeToString(b)}, err
	}
	text, atts, err := EncodeText(p)
	frames := []string{text}
	for _, a := range atts {
		frames = append(frames, hex.EncodeToString(a))
	}
	return frames, err
}

func TestFixtures(t *testing.T) {
	for _, c := range loadFixtures(t) {
		t.Run(c.Parser+"/"+c.Name, func(t *testing.T) {
			p, err := decodeFrames(t, &c)
			if !c.OK || c.GoRejects {
				if err == nil {
					t.Fatalf("Go accepts %q (npm: ok=%v %s) as %+v", c.Frames, c.OK, c.Error, p)
				}
				if !errors.Is(err, ErrInvalidPacket) {
					t.Fatalf("error %v does not wrap ErrInvalidPacket", err)
				}
				return
			}
			if err != nil {
				t.Fatalf("Go rejects %q: %v", c.Frames, err)
			}
			if int(p.Type) != c.Type || p.Namespace != c.Nsp {
				t.Errorf("type %d nsp %q, want %d %q", p.Type, p.Namespace, c.Type, c.Nsp)
			}
			if (c.ID != nil) != p.HasID || (c.ID != nil && float64(p.ID) != *c.ID) {
				t.Errorf("id %d (HasID %v), want %v", p.ID, p.HasID, c.ID)
			}
			if c.DataUnchecked == "" {
				want := ""
				if c.Data != nil {
					want = *c.Data
				}
				if (c.Data == nil) != (p.Data == nil) || hex.EncodeToString(p.Data) != want {
					t.Errorf("data %x\nwant %s (npm decoded %s)", p.Data, want, c.Decoded)
				}
			}
			got, err := encodeFrames(&p, c.Parser)
			if err != nil {
				t.Fatalf("re-encode: %v", err)
			}
			if c.Reencoded != nil && fmt.Sprint(got) != fmt.Sprint(c.Reencoded) {
				t.Errorf("Go encoding differs from npm's\n got %q\nwant %q", got, c.Reencoded)
			}
			// Decoding Go's own encoding gives the packet back.
			q, err := decodeFrames(t, &fixtureCase{Parser: c.Parser, Frames: got})
			if err != nil {
				t.Fatalf("decode of Go encoding: %v", err)
			}
			if !packetsEqual(p, q) {
				t.Errorf("round trip: %+v != %+v", q, p)
			}
		})
	}
}

func packetsEqual(a, b Packet) bool {
	return a.Type == b.Type && a.Namespace == b.Namespace && a.HasID == b.HasID && a.ID == b.ID &&
		bytes.Equal(a.Data, b.Data) && (a.Data == nil) == (b.Data == nil)
}

// TestNodeDecodesGoFrames encodes every decodable fixture packet with the Go
// encoders, for both parsers, and has the npm decoders check the frames
// (capture.mjs --check). It needs node and the npm packages installed by
// `npm ci` in testdata/capture, which the Makefile runs before the tests.
func TestNodeDecodesGoFrames(t *testing.T) {
	dir := filepath.Join("testdata", "capture")
	node, err := exec.LookPath("node")
	if err != nil {
		t.Fatalf("node not found in PATH (%v): this test needs Node.js 20+ to check Go frames with the npm parsers", err)
	}
	for _, pkg := range []string{"socket.io-parser", "socket.io-msgpack-parser", "notepack.io"} {
		if _, err := os.Stat(filepath.Join(dir, "node_modules", pkg, "package.json")); err != nil {
			t.Fatalf("npm package %s missing: run `npm ci` in netio/sioparser/testdata/capture (the Makefile does before tests): %v", pkg, err)
		}
	}
	type goFrames struct {
		Name   string   `json:"name"`
		Parser string   `json:"parser"`
		Frames []string `json:"frames"`
		Expect string   `json:"expect,omitempty"`
	}
	var out []goFrames
	for _, c := range loadFixtures(t) {
		if !c.OK || c.GoRejects {
			continue
		}
		p, err := decodeFrames(t, &c)
		if err != nil {
			t.Fatalf("%s/%s: %v", c.Parser, c.Name, err)
		}
		for _, parser := range []string{"msgpack", "text"} {
			frames, err := encodeFrames(&p, parser)
			if err != nil {
				if parser != c.Parser {
					continue // e.g. binary data in CONNECT_ERROR has no text form
				}
				t.Fatalf("%s/%s: %v", c.Parser, c.Name, err)
			}
			g := goFrames{Name: c.Name, Parser: parser, Frames: frames}
			if parser != c.Parser {
				g.Expect = c.Parser
			}
			out = append(out, g)
		}
	}
	js, err := json.Marshal(out)
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "go-out.json")
	if err := os.WriteFile(path, js, 0o600); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(node, "capture.mjs", "--check", path)
	cmd.Dir = dir
	res, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("npm decoders disagree with Go frames: %v\n%s", err, res)
	}
	t.Logf("%s", bytes.TrimSpace(res))
}
