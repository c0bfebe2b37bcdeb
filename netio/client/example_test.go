package client_test

import (
	"context"
	"fmt"
	"net/http/httptest"
	"time"

	"github.com/tickroom/tickroom/netio/client"
	"github.com/tickroom/tickroom/netio/socketio"
)

// A client joins a chat server, emits, and waits for the answer through an
// ack. The server is the package's own (netio/socketio), in-process.
func Example() {
	srv, _ := socketio.NewServer(nil)
	srv.OnConnection(func(s *socketio.Socket) {
		s.On("hello", func(s *socketio.Socket, args socketio.Args, ack socketio.Ack) {
			name, _ := args.String(0)
			if ack != nil {
				ack("hello, " + name)
			}
		})
	})
	hs := httptest.NewServer(srv)
	defer hs.Close()
	defer srv.Close()

	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	opts := client.DefaultOptions() // msgpack, polling then upgrade, reconnection on
	s, err := client.Dial(ctx, hs.URL, map[string]any{"name": "ada"}, &opts)
	if err != nil {
		fmt.Println("dial:", err)
		return
	}
	defer s.Manager().Close()

	reply, err := s.EmitWithAckContext(ctx, "hello", "ada")
	if err != nil {
		fmt.Println("ack:", err)
		return
	}
	text, _ := reply.String(0)
	fmt.Println(text)
	// Output: hello, ada
}
