package lobby

import (
	"errors"

	"github.com/tickroom/tickroom/rooms"
)

// rejoinReq is room:rejoin's payload.
type rejoinReq struct{ token string }

func parseRejoin(payload []byte) (rejoinReq, error) {
	var r rejoinReq
	f, err := decodeFields(payload)
	if err != nil {
		return r, err
	}
	var ok bool
	if r.token, ok, err = f.str(keySeatToken, 0); err != nil {
		return r, err
	}
	if !ok || r.token == "" {
		return r, reqErr(CodeBadRequest, "seatToken is required")
	}
	return r, nil
}

func (h *Host) rejoin(c *conn, payload []byte) (any, func(), error) {
	req, err := parseRejoin(payload)
	if err != nil {
		return nil, nil, err
	}
	if err := h.seatRate(c); err != nil {
		return nil, nil, err
	}
	if node := h.nodeOfToken(req.token); node != "" && h.cfg.Cluster != nil {
		rr := h.remoteRequest(c, RemoteRejoin, nil)
		rr.Token, rr.Seated = req.token, c.seat.Load() != nil
		j, err := h.remote(node, rr, errSeatGone)
		return j, nil, err
	}
	ref := h.tokenRef(req.token)
	if ref != nil && ref.subject != c.subject {
		return nil, nil, reqErr(CodeUnauthorized, "the seat belongs to another account")
	}
	if c.seat.Load() != nil { // its own seat included: it holds it already
		return nil, nil, reqErr(CodeAlreadyInRoom, "leave your room first")
	}
	if ref == nil {
		return nil, nil, errSeatGone
	}
	return h.rejoinSeat(c, ref, req.token)
}

func (h *Host) leave(c *conn, _ []byte) (any, func(), error) {
	ref := c.seat.Load()
	if ref == nil {
		return nil, nil, reqErr(CodeNotInRoom, "you are not in a room")
	}
	err := h.onSeat(ref, func(tx *rooms.Tx) error {
		h.giveUp(tx, ref)
		return nil
	})
	if err != nil && !errors.Is(err, rooms.ErrClosed) {
		return nil, nil, err // the seat is still held: the player may ask again
	}
	c.seat.CompareAndSwap(ref, nil)
	return nil, nil, nil
}
