package clientjs

import (
	"errors"
	"io"
	"io/fs"
	"slices"
	"strings"
)

// mountFS is root with other file systems mounted over top-level directory names. The demo's
// URL layout (client/, vendor/ next to the page) differs from the package's source layout
// (demo/, src/, vendor/); mounting bridges the two without copying src/ anywhere.
type mountFS struct {
	root   fs.FS
	mounts map[string]fs.FS // by a top-level name; shadows root's entry of that name
}

// Open implements fs.FS.
func (m mountFS) Open(name string) (fs.File, error) {
	if !fs.ValidPath(name) {
		return nil, &fs.PathError{Op: "open", Path: name, Err: fs.ErrInvalid}
	}
	if name == "." {
		f, err := m.root.Open(".")
		if err != nil {
			return nil, err
		}
		return &rootDir{File: f, m: m}, nil
	}
	top, rest, _ := strings.Cut(name, "/")
	sub, ok := m.mounts[top]
	if !ok {
		return m.root.Open(name)
	}
	if rest == "" {
		rest = "."
	}
	f, err := sub.Open(rest)
	if err != nil {
		var pe *fs.PathError
		if errors.As(err, &pe) {
			// The error names the path asked for, not the mounted file system's own.
			return nil, &fs.PathError{Op: pe.Op, Path: name, Err: pe.Err}
		}
		return nil, err
	}
	if rest == "." {
		return &mountDir{File: f, name: top}, nil
	}
	return f, nil
}

// mountDir is a mounted file system's root, named by its mount point.
type mountDir struct {
	fs.File
	name string
}

func (d *mountDir) Stat() (fs.FileInfo, error) {
	info, err := d.File.Stat()
	if err != nil {
		return nil, err
	}
	return renamedInfo{info, d.name}, nil
}

func (d *mountDir) ReadDir(n int) ([]fs.DirEntry, error) {
	rd, ok := d.File.(fs.ReadDirFile)
	if !ok {
		return nil, &fs.PathError{Op: "readdir", Path: d.name, Err: errors.New("not implemented")}
	}
	return rd.ReadDir(n)
}

// rootDir is root's top directory, listing the mount points in place of any root entries they
// shadow.
type rootDir struct {
	fs.File
	m       mountFS
	entries []fs.DirEntry // all of them, sorted by name, once read is set
	read    bool
	off     int // how many entries ReadDir has returned
}

func (d *rootDir) ReadDir(n int) ([]fs.DirEntry, error) {
	if !d.read {
		rd, ok := d.File.(fs.ReadDirFile)
		if !ok {
			return nil, &fs.PathError{Op: "readdir", Path: ".", Err: errors.New("not implemented")}
		}
		all, err := rd.ReadDir(-1)
		if err != nil {
			return nil, err
		}
		for _, e := range all {
			if _, shadowed := d.m.mounts[e.Name()]; !shadowed {
				d.entries = append(d.entries, e)
			}
		}
		for name, sub := range d.m.mounts {
			info, err := fs.Stat(sub, ".")
			if err != nil {
				return nil, err
			}
			d.entries = append(d.entries, fs.FileInfoToDirEntry(renamedInfo{info, name}))
		}
		slices.SortFunc(d.entries, func(a, b fs.DirEntry) int { return strings.Compare(a.Name(), b.Name()) })
		d.read = true
	}
	rest := d.entries[d.off:]
	if n <= 0 {
		d.off = len(d.entries)
		return rest, nil
	}
	if len(rest) == 0 {
		return nil, io.EOF
	}
	rest = rest[:min(n, len(rest))]
	d.off += len(rest)
	return rest, nil
}

// renamedInfo is a FileInfo under another name: a mounted root's own is "." or its source
// directory's.
type renamedInfo struct {
	fs.FileInfo
	name string
}

func (i renamedInfo) Name() string { return i.name }
