package client

import "context"

// Dial connects to the main namespace "/" of the server at rawURL with auth as the handshake
// auth (nil for none) and returns its socket once joined. On error the Manager is closed.
// Close the socket's Manager when done: s.Manager().Close().
func Dial(ctx context.Context, rawURL string, auth any, opts *Options) (*Socket, error) {
	return DialNamespace(ctx, rawURL, "/", auth, opts)
}

// DialNamespace is Dial for namespace nsp.
func DialNamespace(ctx context.Context, rawURL, nsp string, auth any, opts *Options) (*Socket, error) {
	m, err := NewManager(rawURL, opts)
	if err != nil {
		return nil, err
	}
	s := m.Socket(nsp, auth)
	if err := s.Connect(ctx); err != nil {
		_ = m.Close()
		return nil, err
	}
	return s, nil
}
