package socketio_test

import (
	"fmt"
	"net/http"
	"net/http/httptest"

	"github.com/tickroom/tickroom/netio/socketio"
)

// A chat server: clients join a room with "join", then "say" reaches every
// other member of their room; "whoami" answers through the ack.
func Example_chat() {
	srv, err := socketio.NewServer(nil) // nil config: the reference defaults
	if err != nil {
		panic(err)
	}
	defer srv.Close()
	srv.OnConnection(func(s *socketio.Socket) {
		s.On("join", func(s *socketio.Socket, args socketio.Args, ack socketio.Ack) {
			if room, ok := args.String(0); ok {
				s.Join(room)
				s.Set("room", room)
			}
		})
		s.On("say", func(s *socketio.Socket, args socketio.Args, ack socketio.Ack) {
			if room, ok := s.Get("room").(string); ok {
				s.To(room).Emit("said", s.ID(), args.Arg(0))
			}
		})
		s.On("whoami", func(s *socketio.Socket, args socketio.Args, ack socketio.Ack) {
			if ack != nil {
				ack(s.ID())
			}
		})
	})
	mux := http.NewServeMux()
	mux.Handle("/socket.io/", srv)
	hs := httptest.NewServer(mux) // in a real program: http.ListenAndServe(":8080", mux)
	defer hs.Close()
	fmt.Println("chat server ready")
	// Output: chat server ready
}
