package testproc

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// Run runs name with args in dir, bounded by timeout, and returns its combined output. env is
// the process's whole environment, as exec.Cmd.Env has it: nil is the test's own. The error is
// non-nil when the process exits non-zero or times out.
func Run(ctx context.Context, dir string, env []string, timeout time.Duration, name string, args ...string) (string, error) {
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, name, args...)
	cmd.Dir = dir
	cmd.Env = env
	cmd.WaitDelay = 5 * time.Second
	out, err := cmd.CombinedOutput()
	what := strings.Join(append([]string{name}, args...), " ")
	if ctx.Err() != nil {
		return string(out), fmt.Errorf("%s: timed out after %v", what, timeout)
	}
	if err != nil {
		return string(out), fmt.Errorf("%s: %w", what, err)
	}
	return string(out), nil
}

// RunNode runs `node script` in dir with env added to the environment, bounded by timeout,
// and returns its combined output. The error is non-nil when node exits non-zero or times out.
func RunNode(ctx context.Context, dir, script string, env []string, timeout time.Duration) (string, error) {
	return Run(ctx, dir, append(os.Environ(), env...), timeout, "node", script)
}

// RequireNode fails tb unless node is in PATH and every npm package of pkgs is installed in
// dir's node_modules. It fails rather than skips: CI must run the tests that need them.
func RequireNode(tb testing.TB, dir string, pkgs ...string) {
	tb.Helper()
	if _, err := exec.LookPath("node"); err != nil {
		tb.Fatalf("node not found in PATH: the test needs Node 20 and `npm ci` in %s (make deps)", dir)
	}
	for _, pkg := range pkgs {
		if _, err := os.Stat(filepath.Join(dir, "node_modules", pkg, "package.json")); err != nil {
			tb.Fatalf("npm package %s is not installed in %s: run `npm ci` there (make deps does)", pkg, dir)
		}
	}
}
