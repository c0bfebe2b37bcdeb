package testproc

import (
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"testing"
)

// RepoRoot returns the repository root: the nearest directory above the working directory that
// holds go.mod. Go runs a package's tests in the package directory, so this finds the module.
func RepoRoot(tb testing.TB) string {
	tb.Helper()
	dir, err := os.Getwd()
	if err != nil {
		tb.Fatalf("testproc: getwd: %v", err)
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			tb.Fatalf("testproc: no go.mod above the working directory")
		}
		dir = parent
	}
}

// Build compiles the main package pkg (a path relative to the repository root such as
// "./tests/interop/testserver") into dir and returns the binary's path. With race set the
// binary is built with the race detector, so the server's races fail the test too.
func Build(tb testing.TB, root, pkg, dir string, race bool) string {
	tb.Helper()
	goBin, err := exec.LookPath("go")
	if err != nil {
		goBin = filepath.Join(runtime.GOROOT(), "bin", "go")
	}
	out := filepath.Join(dir, filepath.Base(pkg))
	args := []string{"build", "-o", out}
	if race {
		args = append(args, "-race")
	}
	args = append(args, pkg)
	cmd := exec.Command(goBin, args...)
	cmd.Dir = root
	if b, err := cmd.CombinedOutput(); err != nil {
		tb.Fatalf("testproc: go %s: %v\n%s", strings.Join(args, " "), err, b)
	}
	return out
}

// Once builds a main package the first time a test asks for it and hands every later test the
// same binary, for a package whose tests each start a fresh server. Keep it in a package
// variable and call Close from TestMain after m.Run.
type Once struct {
	// Pkg is the main package, relative to the repository root ("./cmd/gameserver").
	Pkg string
	// Race builds it with the race detector.
	Race bool

	once sync.Once
	dir  string // the temporary directory of the binary
	bin  string // "" until built; stays "" when the build failed
}

// Binary returns the binary's path, building it on the first call. When that build failed,
// every later call fails tb too.
func (o *Once) Binary(tb testing.TB) string {
	tb.Helper()
	o.once.Do(func() {
		dir, err := os.MkdirTemp("", "testproc-")
		if err != nil {
			tb.Fatalf("testproc: %v", err)
		}
		o.dir = dir
		o.bin = Build(tb, RepoRoot(tb), o.Pkg, dir, o.Race)
	})
	if o.bin == "" {
		tb.Fatalf("testproc: %s did not build (see the first test's failure)", o.Pkg)
	}
	return o.bin
}

// Close removes the binary.
func (o *Once) Close() {
	if o.dir != "" {
		_ = os.RemoveAll(o.dir)
	}
}
