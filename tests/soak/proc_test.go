package soak

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// What the test reads of the processes and the machine from /proc (Linux only, like the
// machines this runs on).

// clockTicks is the kernel's USER_HZ, the unit of /proc/<pid>/stat times: 100 on every Linux
// architecture Go runs on (sysconf is not reachable without cgo).
const clockTicks = 100

// childPID finds the pid of this process's child running the binary bin: testproc.Server does
// not hand out its process, and /proc knows it.
func childPID(bin string) (int, error) {
	want, err := filepath.EvalSymlinks(bin)
	if err != nil {
		return 0, err
	}
	entries, err := os.ReadDir("/proc")
	if err != nil {
		return 0, err
	}
	self := os.Getpid()
	for _, e := range entries {
		pid, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		st, err := readStat(pid)
		if err != nil || st.ppid != self {
			continue
		}
		if exe, err := os.Readlink(fmt.Sprintf("/proc/%d/exe", pid)); err == nil && exe == want {
			return pid, nil
		}
	}
	return 0, fmt.Errorf("no child process runs %s", bin)
}

// procStat is what the test needs of /proc/<pid>/stat.
type procStat struct {
	ppid int
	cpu  time.Duration // utime + stime
}

func readStat(pid int) (procStat, error) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return procStat{}, err
	}
	// The command name, in parentheses, may hold spaces: the fields start after its ')'.
	s := string(b)
	i := strings.LastIndexByte(s, ')')
	if i < 0 {
		return procStat{}, errors.New("soak: /proc stat without a command name")
	}
	f := strings.Fields(s[i+1:])
	if len(f) < 13 {
		return procStat{}, errors.New("soak: /proc stat too short")
	}
	// f[0] is field 3 (state): ppid is field 4, utime 14 and stime 15.
	ppid, err1 := strconv.Atoi(f[1])
	ut, err2 := strconv.ParseInt(f[11], 10, 64)
	st, err3 := strconv.ParseInt(f[12], 10, 64)
	if err := errors.Join(err1, err2, err3); err != nil {
		return procStat{}, err
	}
	return procStat{ppid: ppid, cpu: time.Duration(ut+st) * time.Second / clockTicks}, nil
}

// memKB is a process's resident memory in KiB: anon is its anonymous part (RssAnon: the Go
// heap, the goroutine stacks, the runtime's own mappings), all is VmRSS, which adds the pages
// of the binary the process has run (RssFile): those come in as code paths run for the first
// time and stay, so only anon says whether memory was returned.
type memKB struct{ anon, all int64 }

func (m memKB) anonKB() int64 { return m.anon }
func (m memKB) allKB() int64  { return m.all }

func readMem(pid int) (memKB, error) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return memKB{}, err
	}
	var m memKB
	var seen int
	for _, line := range strings.Split(string(b), "\n") {
		name, v, ok := strings.Cut(line, ":")
		if !ok || (name != "RssAnon" && name != "VmRSS") {
			continue
		}
		n, err := strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(v), " kB"), 10, 64)
		if err != nil {
			return memKB{}, err
		}
		if name == "RssAnon" {
			m.anon = n
		} else {
			m.all = n
		}
		seen++
	}
	if seen != 2 {
		return memKB{}, errors.New("soak: no RssAnon and VmRSS in /proc status")
	}
	return m, nil
}

// openFDs is how many files pid has open (its sockets among them), or -1.
func openFDs(pid int) int {
	fds, err := os.ReadDir(fmt.Sprintf("/proc/%d/fd", pid))
	if err != nil {
		return -1
	}
	return len(fds)
}

// loadAvg is /proc/loadavg's first three fields.
func loadAvg() string {
	b, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return "?"
	}
	f := strings.Fields(string(b))
	if len(f) < 3 {
		return "?"
	}
	return strings.Join(f[:3], " ")
}

// cpuTimes is the machine's CPU time from /proc/stat's first line, in ticks: all of it, the
// idle part (idle and iowait), and what the hypervisor gave to other guests (steal).
type cpuTimes struct{ total, idle, steal int64 }

func readCPUTimes() cpuTimes {
	b, err := os.ReadFile("/proc/stat")
	if err != nil {
		return cpuTimes{}
	}
	line, _, _ := strings.Cut(string(b), "\n")
	f := strings.Fields(line)
	var c cpuTimes
	// user nice system idle iowait irq softirq steal; guest and guest_nice, after them, are
	// inside user and nice already.
	for i := 1; i < len(f) && i <= 8; i++ {
		n, _ := strconv.ParseInt(f[i], 10, 64)
		c.total += n
		switch i {
		case 4, 5:
			c.idle += n
		case 8:
			c.steal = n
		}
	}
	return c
}

// stealShare is the share of the machine's CPU time stolen between a and b.
func stealShare(a, b cpuTimes) float64 {
	if b.total <= a.total {
		return 0
	}
	return float64(b.steal-a.steal) / float64(b.total-a.total)
}

// busy is the CPU time the machine spent on anything between a and b.
func busy(a, b cpuTimes) time.Duration {
	return time.Duration((b.total-b.idle)-(a.total-a.idle)) * time.Second / clockTicks
}

// selfCPU is this process's CPU time so far (user + system): the abusers' cost, as they run
// on its goroutines.
func selfCPU() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
