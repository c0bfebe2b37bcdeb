package lobby

import (
	"math"
	"unicode/utf8"

	"github.com/tickroom/tickroom/game"
	"github.com/vmihailenco/msgpack/v5"
)

// The keys of request payloads (docs/protocol.md), named once so that no
// handler can misspell one.
const (
	keyMode        = "mode"
	keyName        = "name"
	keyMaxPlayers  = "maxPlayers"
	keyPrivate     = "private"
	keyPassword    = "password"
	keyMeta        = "meta"
	keyOptions     = "options"
	keyRoomID      = "roomId"
	keyCode        = "code"
	keySeatToken   = "seatToken"
	keyReady       = "ready"
	keyPlayerID    = "playerId"
	keyText        = "text"
	keyIncludeFull = "includeFull"
	keyLimit       = "limit"
	keyT0          = "t0"
	keyType        = "type"
	keyData        = "data"
	keyCreate      = "create"
	keyPlayerMeta  = "playerMeta"
)

// fields is a request payload decoded as a map, read field by field so
// that every wrong type is a BAD_REQUEST naming the field. A nil value
// counts as an absent field (the contract's Details).
type fields map[string]any

// decodeFields decodes a payload that request already checked to be a map
// or absent (nil: {}).
func decodeFields(payload []byte) (fields, error) {
	m := fields{}
	if len(payload) == 0 {
		return m, nil
	}
	if err := msgpack.Unmarshal(payload, (*map[string]any)(&m)); err != nil {
		return nil, reqErr(CodeBadRequest, "malformed payload: "+err.Error())
	}
	return m, nil
}

// str returns an optional string field of at most max code points (0: no
// limit).
func (f fields) str(key string, max int) (string, bool, error) {
	v := f[key]
	if v == nil {
		return "", false, nil
	}
	s, ok := v.(string)
	if !ok {
		return "", false, reqErr(CodeBadRequest, key+" must be a string")
	}
	if max > 0 && utf8.RuneCountInString(s) > max {
		return "", false, reqErr(CodeBadRequest, key+" is too long")
	}
	return s, true, nil
}

// boolean returns an optional boolean field.
func (f fields) boolean(key string) (bool, bool, error) {
	v := f[key]
	if v == nil {
		return false, false, nil
	}
	b, ok := v.(bool)
	if !ok {
		return false, false, reqErr(CodeBadRequest, key+" must be a boolean")
	}
	return b, true, nil
}

// integer returns an optional integer field (a float with a fraction is not
// one).
func (f fields) integer(key string) (int64, bool, error) {
	v := f[key]
	if v == nil {
		return 0, false, nil
	}
	n, ok := game.WholeNumber(v)
	if !ok {
		return 0, false, reqErr(CodeBadRequest, key+" must be an integer")
	}
	return n, true, nil
}

// Meta limits of the contract.
const (
	metaMaxKeys     = 16
	metaMaxKeyLen   = 32
	metaMaxValueLen = 64
)

// meta returns an optional meta field, validated and normalized: strings,
// booleans, and numbers as int64 (integral) or float64.
func (f fields) meta(key string) (map[string]any, bool, error) {
	v := f[key]
	if v == nil {
		return nil, false, nil
	}
	in, ok := v.(map[string]any)
	if !ok {
		return nil, false, reqErr(CodeBadRequest, key+" must be an object")
	}
	if len(in) > metaMaxKeys {
		return nil, false, reqErr(CodeBadRequest, key+" has more than 16 keys")
	}
	out := make(map[string]any, len(in))
	for k, val := range in {
		if utf8.RuneCountInString(k) > metaMaxKeyLen {
			return nil, false, reqErr(CodeBadRequest, key+" key longer than 32 characters")
		}
		nv, ok := metaValue(val)
		if !ok {
			return nil, false, reqErr(CodeBadRequest, key+"."+k+" must be a string (at most 64 characters), a number or a boolean")
		}
		out[k] = nv
	}
	return out, true, nil
}

func metaValue(v any) (any, bool) {
	switch x := v.(type) {
	case string:
		x = cleanText(x) // the name rules: no control or format characters
		return x, utf8.RuneCountInString(x) <= metaMaxValueLen
	case bool:
		return x, true
	case float32:
		return metaFloat(float64(x))
	case float64:
		return metaFloat(x)
	}
	if n, ok := game.WholeNumber(v); ok {
		return n, true
	}
	return nil, false
}

func metaFloat(x float64) (any, bool) {
	if math.IsNaN(x) || math.IsInf(x, 0) {
		return nil, false
	}
	if n, ok := game.WholeNumber(x); ok {
		return n, true
	}
	return x, true
}

// metaMatch reports whether every key of want is in have with the same
// value and type: numbers equal numbers, 1 is not "1".
func metaMatch(have, want map[string]any) bool {
	for k, w := range want {
		h, ok := have[k]
		if !ok || !metaEqual(h, w) {
			return false
		}
	}
	return true
}

func metaEqual(a, b any) bool {
	switch x := a.(type) {
	case string:
		y, ok := b.(string)
		return ok && x == y
	case bool:
		y, ok := b.(bool)
		return ok && x == y
	case int64:
		switch y := b.(type) {
		case int64:
			return x == y
		case float64:
			return float64(x) == y
		}
	case float64:
		switch y := b.(type) {
		case int64:
			return x == float64(y)
		case float64:
			return x == y
		}
	}
	return false
}

// object returns an optional object field (a mode's options).
func (f fields) object(key string) (map[string]any, bool, error) {
	v := f[key]
	if v == nil {
		return nil, false, nil
	}
	m, ok := v.(map[string]any)
	if !ok {
		return nil, false, reqErr(CodeBadRequest, key+" must be an object")
	}
	return m, true, nil
}

// mode returns the required `mode` field of room:create and room:quickjoin.
func (f fields) mode() (string, error) {
	name, ok, err := f.str(keyMode, 64)
	if err != nil {
		return "", err
	}
	if !ok || name == "" {
		return "", reqErr(CodeBadRequest, "mode is required")
	}
	return name, nil
}
