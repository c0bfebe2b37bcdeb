package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"runtime"
	"runtime/debug"
	"runtime/pprof"
	"syscall"
)

// Exit codes.
const (
	exitOK     = 0 // every threshold met: no error, bad snapshot or desync by default
	exitBroken = 1 // a threshold was broken, or no bot joined
	exitUsage  = 2
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := runMain(ctx, os.Args[1:], os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}

// runMain is main without the process: it parses args, runs, prints the
// report and returns the exit code.
func runMain(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	cfg, err := parseConfig(args, stderr)
	if errors.Is(err, flag.ErrHelp) {
		return exitOK
	}
	if err != nil {
		fmt.Fprintln(stderr, err)
		return exitUsage
	}
	r, err := newRunner(cfg)
	if err != nil {
		fmt.Fprintln(stderr, err)
		return exitUsage
	}
	if cfg.GCPercent > 0 {
		defer debug.SetGCPercent(debug.SetGCPercent(cfg.GCPercent))
	}
	if cfg.MemProfile != "" {
		r.atPeak = func() {
			if err := writeHeapProfile(cfg.MemProfile); err != nil {
				fmt.Fprintln(stderr, err)
			}
		}
	}
	stopProfile, err := startProfiles(&cfg)
	if err != nil {
		fmt.Fprintln(stderr, err)
		return exitUsage
	}
	rep := r.run(ctx, stderr)
	if err := stopProfile(); err != nil {
		fmt.Fprintln(stderr, err)
	}
	if cfg.JSON {
		err = rep.writeJSON(stdout)
	} else {
		err = rep.writeTable(stdout)
	}
	if err != nil {
		fmt.Fprintln(stderr, err)
	}
	if len(rep.Broken) > 0 {
		return exitBroken
	}
	return exitOK
}

// writeHeapProfile writes a heap profile to path after a GC.
func writeHeapProfile(path string) error {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	runtime.GC()
	return errors.Join(pprof.WriteHeapProfile(f), f.Close())
}

// startProfiles starts the CPU profile when asked; the returned func stops
// it.
func startProfiles(cfg *Config) (func() error, error) {
	var cpu *os.File
	if cfg.CPUProfile != "" {
		f, err := os.Create(cfg.CPUProfile)
		if err != nil {
			return nil, err
		}
		if err := pprof.StartCPUProfile(f); err != nil {
			_ = f.Close()
			return nil, err
		}
		cpu = f
	}
	return func() error {
		var errs []error
		if cpu != nil {
			pprof.StopCPUProfile()
			errs = append(errs, cpu.Close())
		}
		return errors.Join(errs...)
	}, nil
}
