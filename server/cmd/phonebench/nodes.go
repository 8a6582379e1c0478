package main

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"
)

// node is one running server node.
type node interface {
	// url is the base URL of its HTTP API, "http://127.0.0.1:port".
	url() string
	// rss is the resident memory of the process serving it, in bytes (0
	// if unknown).
	rss() int64
	// cpu is the CPU time (user and system) its process has used so far,
	// or 0 when it runs in this process (counted as this process's).
	cpu() time.Duration
	close() error
}

// nodeSpec says how to start one node.
type nodeSpec struct {
	dir     string
	host    string // the loopback address it binds (HTTP, raft), port chosen by the system
	cluster bool   // cluster mode: a raft TCP transport
	join    string // the HTTP address of a node to join; "" for the first
	sip     *sipSpec
}

// sipSpec turns on the SIP gateway of a node.
type sipSpec struct {
	listen    string // UDP address
	usersFile string // teammate:password lines
}

// launcher starts server nodes that accept token.
type launcher interface {
	start(ctx context.Context, s nodeSpec) (node, error)
	token() string
}

// startCluster starts size nodes under dir, the first on 127.0.0.1 (with
// the SIP gateway if sip is set), the others on 127.0.0.2 and 127.0.0.3
// joining it. On an error it returns the nodes it started, to be closed.
func startCluster(ctx context.Context, lc launcher, dir string, size int, sip *sipSpec) ([]node, error) {
	var nodes []node
	for i := range size {
		s := nodeSpec{dir: filepath.Join(dir, fmt.Sprintf("node-%d", i+1)), host: fmt.Sprintf("127.0.0.%d", i+1),
			cluster: size > 1}
		if i == 0 {
			s.sip = sip
		} else {
			s.join = strings.TrimPrefix(nodes[0].url(), "http://")
		}
		if err := os.MkdirAll(s.dir, 0o700); err != nil {
			return nodes, err
		}
		n, err := lc.start(ctx, s)
		if err != nil {
			return nodes, fmt.Errorf("node %d: %w", i+1, err)
		}
		nodes = append(nodes, n)
	}
	return nodes, nil
}

func closeAll(nodes []node) error {
	var errs []error
	for i := len(nodes) - 1; i >= 0; i-- {
		errs = append(errs, nodes[i].close())
	}
	return errors.Join(errs...)
}

// rssOf reads a process's resident memory from /proc (Linux); 0 elsewhere.
func rssOf(pid string) int64 {
	b, err := os.ReadFile("/proc/" + pid + "/status")
	if err != nil {
		return 0
	}
	for line := range strings.Lines(string(b)) {
		if rest, ok := strings.CutPrefix(line, "VmRSS:"); ok {
			f := strings.Fields(rest)
			if len(f) == 2 && f[1] == "kB" {
				kb, _ := strconv.ParseInt(f[0], 10, 64)
				return kb << 10
			}
		}
	}
	return 0
}

// cpuOf reads a process's CPU time, user and system, from /proc/PID/stat
// (Linux, in USER_HZ ticks of 10 ms); 0 elsewhere.
func cpuOf(pid string) time.Duration {
	b, err := os.ReadFile("/proc/" + pid + "/stat")
	if err != nil {
		return 0
	}
	_, rest, ok := strings.Cut(string(b), ") ") // the command name may hold spaces
	f := strings.Fields(rest)
	if !ok || len(f) < 13 {
		return 0
	}
	utime, _ := strconv.ParseInt(f[11], 10, 64)
	stime, _ := strconv.ParseInt(f[12], 10, 64)
	return time.Duration(utime+stime) * 10 * time.Millisecond
}

// machineCPU reads the machine's busy and idle time, all CPUs together,
// from the first line of /proc/stat (Linux, in USER_HZ ticks); zeros
// elsewhere. Idle counts iowait too.
func machineCPU() (busy, idle int64) {
	b, err := os.ReadFile("/proc/stat")
	if err != nil {
		return 0, 0
	}
	line, _, _ := strings.Cut(string(b), "\n")
	f := strings.Fields(line)
	if len(f) < 6 || f[0] != "cpu" {
		return 0, 0
	}
	for i, v := range f[1:] {
		n, _ := strconv.ParseInt(v, 10, 64)
		switch i {
		case 3, 4: // idle, iowait
			idle += n
		case 8, 9: // guest time, already counted in user
		default:
			busy += n
		}
	}
	return busy, idle
}

// idleMeter measures the machine's idle fraction from its start.
type idleMeter struct{ busy, idle int64 }

func startIdle() idleMeter {
	b, i := machineCPU()
	return idleMeter{b, i}
}

// fraction is the share of the machine's CPU time left idle since start
// (0 if unknown).
func (m idleMeter) fraction() float64 {
	busy, idle := machineCPU()
	if total := busy + idle - m.busy - m.idle; total > 0 {
		return float64(idle-m.idle) / float64(total)
	}
	return 0
}

// selfCPU is this process's CPU time, user and system.
func selfCPU() time.Duration {
	var ru syscall.Rusage
	if syscall.Getrusage(syscall.RUSAGE_SELF, &ru) != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// adminToken is the cluster's admin token the nodes of one run share,
// derived from its host token (membership needs the admin token; the
// commands measured use the host token).
func adminToken(host string) string { return host + "-admin" }

// procLauncher runs each node as a phonebalanced process, as deployed.
type procLauncher struct {
	bin, tok string
}

func (p procLauncher) token() string { return p.tok }

// buildServer builds phonebalanced into dir (from the workspace this
// command runs in), with extra build flags, and returns the binary's path.
func buildServer(ctx context.Context, dir string, flags ...string) (string, error) {
	bin := filepath.Join(dir, "phonebalanced")
	args := append(append([]string{"build"}, flags...), "-o", bin, "github.com/phonebalance/phonebalance/server/cmd/phonebalanced")
	cmd := exec.CommandContext(ctx, "go", args...)
	if out, err := cmd.CombinedOutput(); err != nil {
		return "", fmt.Errorf("go build phonebalanced (run from the repository, or give -server): %v\n%s", err, out)
	}
	return bin, nil
}

// procNode is one phonebalanced process: bounded by close (SIGTERM, then
// SIGKILL after 20 s), its stderr's last lines kept for errors.
type procNode struct {
	cmd  *exec.Cmd
	base string
	done chan struct{}
	mu   sync.Mutex
	tail []string
}

const tailLines = 40

func (n *procNode) keep(line string) {
	n.mu.Lock()
	defer n.mu.Unlock()
	n.tail = append(n.tail, line)
	if len(n.tail) > tailLines {
		n.tail = n.tail[len(n.tail)-tailLines:]
	}
}

func (n *procNode) logs() string {
	n.mu.Lock()
	defer n.mu.Unlock()
	return strings.Join(n.tail, "\n")
}

func (p procLauncher) start(ctx context.Context, s nodeSpec) (node, error) {
	args := []string{"-data", s.dir, "-http", s.host + ":0", "-rate", "0"}
	if s.cluster {
		args = append(args, "-raft", s.host+":0")
	}
	if s.join != "" {
		args = append(args, "-join", s.join)
	}
	if s.sip != nil {
		args = append(args, "-sip", s.sip.listen, "-sip-users", s.sip.usersFile, "-sip-media=false") // signalling only: media is measured by server/sip/bench
	}
	n := &procNode{cmd: exec.Command(p.bin, args...), done: make(chan struct{})}
	n.cmd.Env = append(os.Environ(), "PHONEBALANCE_TOKEN="+p.tok, "PHONEBALANCE_ADMIN_TOKEN="+adminToken(p.tok))
	n.cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	stderr, err := n.cmd.StderrPipe()
	if err != nil {
		return nil, err
	}
	if err := n.cmd.Start(); err != nil {
		return nil, err
	}
	ready := make(chan string, 1)
	go func() {
		defer close(n.done)
		sc := bufio.NewScanner(stderr)
		sc.Buffer(make([]byte, 64<<10), 1<<20)
		for sc.Scan() {
			line := sc.Text()
			if base, ok := strings.CutPrefix(line, "phonebalanced listening on "); ok {
				ready <- strings.TrimSpace(base)
			}
			n.keep(line)
		}
		_ = n.cmd.Wait()
	}()
	select {
	case n.base = <-ready:
		return n, nil
	case <-n.done:
		return nil, fmt.Errorf("phonebalanced %s exited: %s", strings.Join(args, " "), n.logs())
	case <-time.After(60 * time.Second):
	case <-ctx.Done():
	}
	n.close()
	return nil, fmt.Errorf("phonebalanced %s did not start: %s", strings.Join(args, " "), n.logs())
}

func (n *procNode) url() string { return n.base }
func (n *procNode) rss() int64  { return rssOf(strconv.Itoa(n.cmd.Process.Pid)) }
func (n *procNode) cpu() time.Duration {
	return cpuOf(strconv.Itoa(n.cmd.Process.Pid))
}

func (n *procNode) close() error {
	_ = n.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-n.done:
	case <-time.After(20 * time.Second):
		_ = n.cmd.Process.Kill()
		<-n.done
		return fmt.Errorf("phonebalanced did not stop on SIGTERM within 20 s: %s", n.logs())
	}
	if st := n.cmd.ProcessState; st != nil && !st.Success() {
		return fmt.Errorf("phonebalanced: %s: %s", st, n.logs())
	}
	return nil
}
