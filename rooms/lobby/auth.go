package lobby

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"strings"
	"time"

	"github.com/tickroom/tickroom/netio/socketio"
)

// ErrUnauthorized: a handshake token a TokenVerifier refused. The client
// gets CONNECT_ERROR {message: "unauthorized"} whatever the cause.
var ErrUnauthorized = errors.New("lobby: unauthorized")

// Identity is who a verified token says the player is.
type Identity struct {
	// Subject is the account id the token was issued for.
	Subject string `json:"sub"`
	// Name is the display name; it goes through the name rules, and an empty
	// one falls back to the handshake name.
	Name string `json:"name,omitempty"`
}

// TokenVerifier checks the handshake `auth.token`. With one configured
// (HostConfig.Verifier), a connection whose token fails is refused; without
// one, play is anonymous.
type TokenVerifier interface {
	Verify(token string) (Identity, error)
}

// TokenVerifierFunc adapts a function to TokenVerifier.
type TokenVerifierFunc func(token string) (Identity, error)

// Verify implements TokenVerifier.
func (f TokenVerifierFunc) Verify(token string) (Identity, error) { return f(token) }

// HMACVerifier is the example TokenVerifier: a token is
// base64url(JSON claims) "." base64url(HMAC-SHA256(key, first part)), the
// claims being {sub, name?, exp} with exp in Unix seconds. A game backend
// that shares the key issues tokens with Sign.
type HMACVerifier struct {
	key []byte           // static
	now func() time.Time // static
}

// NewHMACVerifier returns a verifier for key, which should be at least 32
// random bytes.
func NewHMACVerifier(key []byte) *HMACVerifier {
	return &HMACVerifier{key: append([]byte(nil), key...), now: time.Now}
}

type hmacClaims struct {
	Identity
	Exp int64 `json:"exp"`
}

// Sign issues a token for id that expires at exp.
func (v *HMACVerifier) Sign(id Identity, exp time.Time) string {
	body, _ := json.Marshal(hmacClaims{Identity: id, Exp: exp.Unix()})
	head := base64.RawURLEncoding.EncodeToString(body)
	return head + "." + base64.RawURLEncoding.EncodeToString(v.mac(head))
}

func (v *HMACVerifier) mac(head string) []byte {
	m := hmac.New(sha256.New, v.key)
	m.Write([]byte(head))
	return m.Sum(nil)
}

// Verify implements TokenVerifier: the MAC (compared in constant time),
// then the expiry.
func (v *HMACVerifier) Verify(token string) (Identity, error) {
	head, sig, ok := strings.Cut(token, ".")
	if !ok {
		return Identity{}, ErrUnauthorized
	}
	got, err := base64.RawURLEncoding.DecodeString(sig)
	if err != nil || !hmac.Equal(got, v.mac(head)) {
		return Identity{}, ErrUnauthorized
	}
	body, err := base64.RawURLEncoding.DecodeString(head)
	if err != nil {
		return Identity{}, ErrUnauthorized
	}
	var c hmacClaims
	if err := json.Unmarshal(body, &c); err != nil || c.Subject == "" || v.now().Unix() >= c.Exp {
		return Identity{}, ErrUnauthorized
	}
	return c.Identity, nil
}

// identityKey is where a socket keeps its verified Identity.
const identityKey = "tickroom.identity"

// subjectOf is the socket's verified account, "" without a verifier.
func subjectOf(s *socketio.Socket) string {
	id, _ := s.Get(identityKey).(Identity)
	return id.Subject
}

// authMiddleware refuses connections whose token the verifier rejects.
func authMiddleware(v TokenVerifier) socketio.Middleware {
	return func(s *socketio.Socket) error {
		token, _ := s.Handshake().Auth["token"].(string)
		id, err := v.Verify(token)
		if err != nil {
			return &socketio.ConnectError{Message: "unauthorized"}
		}
		s.Set(identityKey, id)
		return nil
	}
}
