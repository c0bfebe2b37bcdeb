package socketio

// Handle registers a typed handler for event: the first argument is decoded
// into a T (msgpack struct tags apply) before h runs. An event whose first
// argument does not decode is answered through onBad, when it is not nil,
// and otherwise dropped. There is no reflection in the dispatch: the
// decode is the only per-type step.
func Handle[T any](s *Socket, event string, h func(s *Socket, v T, ack Ack), onBad func(s *Socket, err error, ack Ack)) {
	s.On(event, func(s *Socket, args Args, ack Ack) {
		var v T
		if args.Len() > 0 {
			if err := args.Decode(0, &v); err != nil {
				if onBad != nil {
					onBad(s, err, ack)
				}
				return
			}
		}
		h(s, v, ack)
	})
}
