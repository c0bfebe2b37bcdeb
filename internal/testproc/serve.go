package testproc

import (
	"context"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"syscall"
	"time"
)

// Handler is what a test server serves at a path: a Socket.IO or Engine.IO server.
type Handler interface {
	http.Handler
	// Close ends the handler's sessions, so that long polls and WebSockets end.
	Close()
}

// Serve is the server's side of Start, for the test server commands under tests/: it listens
// on addr, prints the LISTEN line, and serves each handler of routes at its path prefix until
// SIGINT or SIGTERM. Then it closes every handler and gives the HTTP server 5s to shut down. It
// returns an error only when it cannot listen or serve.
func Serve(addr string, routes map[string]Handler) error {
	// Listening for the signals before the LISTEN line: a test may stop the server right after.
	ctx, cancel := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer cancel()
	mux := http.NewServeMux()
	for path, h := range routes {
		mux.Handle(path, h)
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return err
	}
	hs := &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second}
	served := make(chan error, 1)
	go func() { served <- hs.Serve(ln) }()
	fmt.Printf("%shttp://%s\n", ListenPrefix, ln.Addr())
	select {
	case <-ctx.Done():
	case err := <-served: // before any Shutdown, Serve returns only on failure
		return err
	}
	for _, h := range routes {
		h.Close()
	}
	shutdownCtx, cancelShutdown := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancelShutdown()
	_ = hs.Shutdown(shutdownCtx)
	return nil
}

// Logger is a test server's log on stderr: warnings and errors, or everything with verbose
// (the commands' -v flag).
func Logger(verbose bool) *slog.Logger {
	level := slog.LevelWarn
	if verbose {
		level = slog.LevelDebug
	}
	return slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: level}))
}
